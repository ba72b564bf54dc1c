from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("tag-sets", views.TagSetViewSet, basename="glossary-tagset")
router.register("tags", views.TagViewSet, basename="glossary-tag")
router.register("tag-assignments", views.TagAssignmentViewSet, basename="glossary-tagassignment")
router.register("glossary/terms", views.TermViewSet, basename="glossary-term")
router.register("glossary/categories", views.CategoryViewSet, basename="glossary-category")
router.register("glossary/term-links", views.TermAssignmentViewSet, basename="glossary-termlink")
router.register("glossary/suggestions", views.TermSuggestionViewSet, basename="glossary-suggestion")
router.register("glossary/tag-rules", views.TagRuleViewSet, basename="glossary-tagrule")
urlpatterns = router.urls
