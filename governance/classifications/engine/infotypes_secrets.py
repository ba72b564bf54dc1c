"""Credentials and secrets beyond AWS key ids: private keys, tokens, cloud keys, passwords.

A token with a vendor prefix and structure (``ghp_…`` with its CRC32, ``xoxb-…``, ``sk_live_…``,
``AIza…``, a JWT whose header decodes) is recognised from its values alone. A bare random string
(an API key, an AWS secret key, a password) is an ambiguous format: it needs a column name that
says it is a secret, and a value that is not a hash, a UUID or a word.
"""

from __future__ import annotations

from .spec import STRING, STRONG, WEAK, Category, InfoTypeSpec, Sensitivity

CRED = Category.CREDENTIALS
HIGH = Sensitivity.HIGHLY_CONFIDENTIAL
# Columns about a secret rather than the secret (its hash, when it was rotated, whose it is).
SECRET_EXCLUSIONS = (
    r"\b(?:hash|hashed|digest|salt|salted|md5|sha\d*|bcrypt|argon\d*|encrypted|enc|crypt|"
    r"fingerprint|hint|policy|strength|length|len|changed|reset|rotated|rotation|expir\w*|"
    r"expires|last ?used|created|updated|prefix|suffix|last ?4|last ?four|names?|label|type|"
    r"status|scopes?|owner|count|required|set)\b",
    r"\b(?:key|token|secret|client|app|api) ?ids?\b",
)


def _secret(
    code: str,
    name: str,
    validator: str,
    *,
    strong: tuple[str, ...] = (),
    weak: tuple[str, ...] = (),
    names: tuple[str, ...],
    exclusions: tuple[str, ...] = SECRET_EXCLUSIONS,
    confidence: float = STRONG,
    description: str,
) -> InfoTypeSpec:
    return InfoTypeSpec(
        code=code,
        name=name,
        category=CRED,
        sensitivity=HIGH,
        value_patterns=strong,
        weak_value_patterns=weak,
        validator=validator,
        column_name_patterns=names,
        column_name_exclusions=exclusions,
        data_types=(STRING,),
        value_confidence=confidence,
        description=description,
        mask="secret",
        weak_needs_name=True,
    )


SECRET_INFO_TYPES: tuple[InfoTypeSpec, ...] = (
    _secret(
        "PRIVATE_KEY",
        "Private key",
        "private_key",
        strong=(r"(?s)-----BEGIN [A-Z ]*PRIVATE KEY(?: BLOCK)?-----.*",),
        names=(
            r"\bprivate ?key",
            r"\bpriv ?key\b",
            r"\bssh ?key\b",
            r"\bpem\b",
            r"\bsigning ?key\b",
            r"\brsa ?key\b",
            r"\btls ?key\b",
            r"\bssl ?key\b",
            r"\bprivkey\b",
            r"\bid ?rsa\b",
        ),
        description="A PEM or OpenSSH private key block (RSA, EC, DSA, PKCS#8, PGP).",
    ),
    _secret(
        "JWT",
        "JSON Web Token",
        "jwt",
        strong=(r"(?i)(?:bearer )?eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*",),
        names=(
            r"\bjwt\b",
            r"\bid ?token\b",
            r"\baccess ?token\b",
            r"\bbearer\b",
            r"\brefresh ?token\b",
            r"\bauth(?:orization)? ?token\b",
            r"\bsession ?token\b",
        ),
        description="A JSON Web Token (three base64url parts whose header names an algorithm).",
    ),
    _secret(
        "API_TOKEN",
        "API key or token",
        "api_token",
        weak=(r"[A-Za-z0-9_.+/=~:-]{16,512}",),
        names=(
            r"\bapi ?(?:key|secret|token)s?\b",
            r"\bclient ?secret\b",
            r"\bsecret ?key\b",
            r"\baccess ?token\b",
            r"\bauth ?token\b",
            r"\bapp ?secret\b",
            r"\bconsumer ?secret\b",
            r"\bprivate ?token\b",
            r"\bpersonal ?access ?token\b",
            r"\bwebhook ?secret\b",
            r"\bsigning ?secret\b",
            r"\bsecret\b",
            r"\bapikey\b",
            r"\bbearer ?token\b",
            r"\brefresh ?token\b",
            r"\boauth ?token\b",
        ),
        exclusions=(
            *SECRET_EXCLUSIONS,
            r"\b(?:aws|github|gh|slack|stripe|google|gcp|azure)\b",
            r"\bsecret ?access ?key\b",
        ),
        confidence=WEAK,
        description="A generic API key, access token or client secret: a long random string "
        "under a column name that says it is a secret.",
    ),
    _secret(
        "AWS_SECRET_KEY",
        "AWS secret access key",
        "aws_secret",
        weak=(r"[A-Za-z0-9/+]{40}",),
        names=(r"\baws ?secret", r"\bsecret ?access ?key", r"\bsecret ?key\b", r"\baws ?sak\b"),
        confidence=WEAK,
        description="An AWS secret access key (40 random base64 characters).",
    ),
    _secret(
        "GITHUB_TOKEN",
        "GitHub token",
        "github_token",
        strong=(r"gh[pousr]_[A-Za-z0-9]{36}", r"github_pat_[A-Za-z0-9_]{70,90}"),
        names=(r"\bgithub", r"\bgh ?token\b", r"\bgit ?token\b", r"\bpersonal ?access ?token\b"),
        description="A GitHub personal access, OAuth, app or refresh token (with its CRC32 "
        "checksum).",
    ),
    _secret(
        "SLACK_TOKEN",
        "Slack token",
        "slack_token",
        strong=(r"xox[abposre]-[A-Za-z0-9-]{10,}",),
        names=(r"\bslack", r"\bbot ?token\b", r"\buser ?token\b"),
        description="A Slack bot, user, app or refresh token (xoxb-, xoxp-, ...).",
    ),
    _secret(
        "STRIPE_API_KEY",
        "Stripe API key",
        "stripe_key",
        strong=(r"(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{20,110}",),
        names=(r"\bstripe", r"\bpublishable ?key\b", r"\bsecret ?key\b", r"\brestricted ?key\b"),
        description="A Stripe secret, publishable or restricted API key.",
    ),
    _secret(
        "GOOGLE_API_KEY",
        "Google API key",
        "google_api_key",
        strong=(r"AIza[A-Za-z0-9_-]{35}",),
        names=(r"\bgoogle", r"\bgcp\b", r"\bfirebase", r"\bmaps ?(?:api )?key\b", r"\bapi ?key\b"),
        description="A Google Cloud / Maps / Firebase API key (AIza and 35 characters).",
    ),
    _secret(
        "AZURE_STORAGE_KEY",
        "Azure storage account key",
        "azure_key",
        strong=(r"[A-Za-z0-9+/]{86}==",),
        names=(
            r"\bazure",
            r"\bstorage ?(?:account )?key\b",
            r"\baccount ?key\b",
            r"\bprimary ?key\b",
            r"\bshared ?key\b",
        ),
        description="An Azure storage account key (64 random bytes in base64).",
    ),
    _secret(
        "CONNECTION_STRING",
        "Connection string with credentials",
        "credential_url",
        strong=(
            r"(?i)[a-z][a-z0-9+.-]*://[^\s:/@]+:[^\s@/]+@\S+",
            r"(?is).*\b(?:password|pwd|accountkey)=[^;]+;.*",
        ),
        names=(
            r"\bconnection ?string",
            r"\bconn ?str",
            r"\bdsn\b",
            r"\bdatabase ?url\b",
            r"\bdb ?(?:url|uri|dsn)\b",
            r"\bjdbc",
            r"\bbroker ?url\b",
            r"\bredis ?url\b",
            r"\bconnection ?(?:url|uri)\b",
        ),
        description="A database or service connection string or URL with an embedded password.",
    ),
    _secret(
        "PASSWORD",
        "Password (plain text)",
        "password",
        weak=(r"\S{4,64}",),
        names=(
            r"\bpass ?words?\b",
            r"\bpasswd\b",
            r"\bpwd\b",
            r"\bpasswort\b",
            r"\bkennwort\b",
            r"\bmot de passe\b",
            r"\bmdp\b",
            r"\bcontrasena\b",
            r"\bsenha\b",
            r"\bwachtwoord\b",
            r"\bhaslo\b",
            r"\bsalasana\b",
            r"\blosenord\b",
            r"\bpassord\b",
            r"\bpassphrase\b",
            r"\buser ?pass\b",
            r"\bdb ?pass\b",
        ),
        confidence=WEAK,
        description="A password stored in plain text (a column named so whose values are not "
        "hashes).",
    ),
)
