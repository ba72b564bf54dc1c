from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from unfold.admin import ModelAdmin
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from pursight import permissions
from pursight.admin import GovernedTabularInline, PurSightModelAdmin

from . import roles, services
from .models import Collection, Role, RoleAssignment

CONSOLE_NOTE = (
    "Granting a role makes the console usable: its holder (for a group, each member, including "
    "members added later) becomes staff and can sign in; what they see stays limited to the "
    "collection and everything below it."
)


def _in_order(perms: Any) -> list[Permission]:
    """Collection permissions from reading to managing (the order of ``roles``)."""
    order = roles.COLLECTION_PERMISSIONS
    return sorted(perms, key=lambda p: order.index(p.codename) if p.codename in order else 99)


def role_help() -> SafeString:
    """What each role grants, from the roles themselves (one query per form)."""
    rows = format_html_join(
        "",
        "<li><strong>{}</strong>: {}</li>",
        (
            (role.name, "; ".join(p.name.lower() for p in _in_order(role.permissions.all())))
            for role in Role.objects.prefetch_related("permissions").order_by("name")
        ),
    )
    return format_html('{}<ul class="list-disc ml-5 mt-1">{}</ul>', CONSOLE_NOTE, rows)


class RoleAssignmentInline(GovernedTabularInline):
    model = RoleAssignment
    fk_name = "collection"
    fields = ["role", "user", "group", "created_at"]
    readonly_fields = ["created_at"]
    verbose_name_plural = "Role assignments (apply to this collection and everything below)"

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "role" and field is not None:
            field.help_text = CONSOLE_NOTE
        return field

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # ``obj`` is the collection: its Collection Admins see and change its assignments.
        if obj is None:
            return permissions.can_any(request.user, RoleAssignment, "view")
        return permissions.can(request.user, "change", obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_view_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # immutable: revoke and assign again


class CollectionForm(forms.ModelForm):
    """Shows the services' placement and naming checks as form errors (``actor`` is set by
    :meth:`CollectionAdmin.get_form`)."""

    actor: Any = None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "name" not in data or ("parent" in self.fields and "parent" not in data):
            return data  # already a field error
        parent = data["parent"] if "parent" in self.fields else self.instance.parent
        try:
            services.check_collection(
                actor=self.actor, collection=self.instance, name=data["name"], parent=parent
            )
        except ValidationError as exc:
            errors = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
            for field, messages in errors.items():
                self.add_error(field if field in self.fields else None, messages)
        except permissions.PermissionDenied as exc:
            self.add_error("parent" if "parent" in self.fields else None, str(exc))
        return data


@admin.register(Collection)
class CollectionAdmin(PurSightModelAdmin):
    collection_permission = "manage_collection"
    form = CollectionForm
    list_display = ["indented_name", "slug", "description"]
    search_fields = ["name", "slug", "description"]
    fields = ["name", "parent", "description"]
    ordering = ["path"]
    inlines = [RoleAssignmentInline]

    @admin.display(description="Collection", ordering="path")
    def indented_name(self, obj: Collection) -> str:
        return f"{'— ' * obj.depth}{obj.name}"

    def _parent_hidden(self, request: HttpRequest, obj: Collection | None) -> bool:
        return bool(
            obj is not None
            and obj.parent_id
            and not permissions.can(request.user, permissions.VIEW, obj.parent)
        )

    def get_fields(self, request: HttpRequest, obj: Collection | None = None) -> list[str]:
        fields = list(super().get_fields(request, obj))
        if self._parent_hidden(request, obj):
            fields.remove("parent")  # a parent the user cannot see is never named
        return fields

    def get_form(self, request: HttpRequest, obj: Collection | None = None, **kwargs: Any):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        field = form.base_fields.get("parent")
        if field is not None:
            choices = services.allowed_parents(actor=request.user, collection=obj)
            if obj is not None and obj.parent_id:
                choices = choices | Collection.objects.filter(pk=obj.parent_id)  # no change
            field.queryset = choices.order_by("path")
            # "No parent" (a root) is offered only to who may create roots, or to keep one.
            keeps_root = obj is not None and obj.parent_id is None
            field.required = not (services.may_create_roots(request.user) or keeps_root)
            if field.required:
                field.empty_label = None
        return form

    def save_service(self, request: HttpRequest, obj: Collection, form: Any, change: bool) -> None:
        saved = services.save_collection(actor=request.user, collection=obj)
        obj.pk, obj.path = saved.pk, saved.path

    def delete_model(self, request: HttpRequest, obj: Collection) -> None:
        services.delete_collection(actor=request.user, collection=obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not RoleAssignment:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for assignment in formset.deleted_objects:
            services.revoke_role(actor=request.user, assignment=assignment)
        for assignment in instances:
            if assignment.pk is None:
                services.assign_role(
                    actor=request.user,
                    role=assignment.role,
                    collection=form.instance,
                    user=assignment.user,
                    group=assignment.group,
                )
        return None


def _collection_perm_queryset():
    return Permission.objects.filter(
        content_type=ContentType.objects.get_for_model(Collection),
        codename__in=roles.COLLECTION_PERMISSIONS,
    )


@admin.register(Role)
class RoleAdmin(PurSightModelAdmin):
    """Built-in roles are read-only; platform administrators define custom ones."""

    list_display = ["name", "permission_list", "is_builtin", "description"]
    list_filter = ["is_builtin"]
    search_fields = ["name", "description"]
    fields = ["name", "description", "permissions", "is_builtin"]
    readonly_fields = ["is_builtin"]
    filter_horizontal = ["permissions"]

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any):
        form = super().get_form(request, obj, **kwargs)
        if "name" in form.base_fields:
            form.base_fields["name"].error_messages["unique"] = (
                "A role with this name already exists; choose another name."
            )
        return form

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("permissions")

    @admin.display(description="Permissions")
    def permission_list(self, obj: Role) -> str:
        return ", ".join(sorted(p.codename for p in obj.permissions.all()))

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "permissions":
            kwargs["queryset"] = _collection_perm_queryset()
            kwargs["help_text"] = (
                "What holders of the role may do on the collection it is assigned on and "
                "everything below it. Every role should include reading the catalog: what a "
                "user cannot read stays hidden from them. " + CONSOLE_NOTE
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The gate says who (platform administrators); built-in roles stay as they are.
        builtin = obj is not None and obj.is_builtin
        return super().has_change_permission(request, obj) and not builtin

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        builtin = obj is not None and obj.is_builtin
        return super().has_delete_permission(request, obj) and not builtin

    def save_model(self, request: HttpRequest, obj: Role, form: Any, change: bool) -> None:
        pass  # saved with its permissions in save_related

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        saved = services.save_role(
            actor=request.user,
            role=form.instance if change else None,
            name=form.cleaned_data["name"],
            description=form.cleaned_data.get("description", ""),
            codenames=[p.codename for p in form.cleaned_data["permissions"]],
        )
        form.instance.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Role) -> None:
        services.delete_role(actor=request.user, role=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for role in queryset:
            self.delete_model(request, role)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(PurSightModelAdmin):
    collection_permission = "manage_collection"
    list_display = ["collection", "role", "principal_repr", "created_at", "created_by"]
    list_filter = ["role", "collection"]
    list_select_related = ["role", "collection", "user", "group", "created_by"]
    search_fields = ["user__username", "group__name", "collection__name", "role__name"]
    fields = ["collection", "role", "user", "group"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is None:
            return field
        if db_field.name == "role":
            field.help_text = role_help()
        elif db_field.name == "collection":
            field.help_text = "The role applies to this collection and everything below it."
        elif db_field.name in ("user", "group"):
            field.help_text = "Choose a user or a group, not both."
        return field

    @admin.display(description="Held by")
    def principal_repr(self, obj: RoleAssignment) -> str:
        return obj.principal_repr

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # immutable: revoke and assign again

    def save_service(
        self, request: HttpRequest, obj: RoleAssignment, form: Any, change: bool
    ) -> None:
        created = services.assign_role(
            actor=request.user,
            role=obj.role,
            collection=obj.collection,
            user=obj.user,
            group=obj.group,
        )
        obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: RoleAssignment) -> None:
        services.revoke_role(actor=request.user, assignment=obj)


# --- Users and groups: Django's admins on the PurSight skin, plus the access report ----------

User = get_user_model()
for _model in (User, Group):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


def can_see_access(request: HttpRequest, user: Any) -> bool:
    viewer = request.user
    return bool(
        viewer.is_active
        and (viewer.is_superuser or viewer.pk == user.pk or viewer.has_perm("auth.view_user"))
    )


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    readonly_fields = ["access_link", "last_login", "date_joined"]
    list_display = ["username", "email", "is_active", "is_staff", "is_superuser", "last_login"]

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any):
        form = super().get_form(request, obj, **kwargs)
        fields = form.base_fields
        if "is_staff" in fields:
            fields["is_staff"].help_text = (
                "Lets the user sign in to this console. A role assignment (to the user or to one "
                "of their groups) sets it; what the user sees there is still limited to their "
                "roles' collections."
            )
        if "groups" in fields:
            fields["groups"].help_text = (
                "The user gets the roles of their groups; joining a group that holds a role "
                "makes them staff."
            )
        if "user_permissions" in fields:
            fields["user_permissions"].help_text = (
                "Model-wide permissions apply to every collection: prefer role assignments on "
                "collections (Access control › Role assignments)."
            )
        return form

    def get_fieldsets(self, request: HttpRequest, obj: Any = None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None:
            fieldsets.insert(1, ("Access", {"fields": ["access_link"]}))
        return fieldsets

    @admin.display(description="What can this user see and do")
    def access_link(self, obj: Any) -> str:
        if obj is None or obj.pk is None:
            return "-"
        url = reverse("admin:auth_user_access", args=[obj.pk])
        return format_html('<a href="{}">Effective permissions and why</a>', url)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/access/",
                self.admin_site.admin_view(self.access_view),
                name="auth_user_access",
            ),
            *super().get_urls(),
        ]

    def access_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        try:
            target = get_object_or_404(User, pk=int(object_id))
        except ValueError:
            raise Http404 from None
        if not can_see_access(request, target):
            raise DjangoPermissionDenied
        report = services.explain_access(target)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Access of {target.get_username()}",
            "target": target,
            "report": report,
            "codenames": roles.COLLECTION_PERMISSIONS,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "rbac/user_access.html", context)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any):
        form = super().get_form(request, obj, **kwargs)
        if "permissions" in form.base_fields:
            form.base_fields["permissions"].help_text = (
                "Model-wide permissions apply to every collection: prefer assigning the group a "
                "role on a collection (Access control › Role assignments). " + CONSOLE_NOTE
            )
        return form
