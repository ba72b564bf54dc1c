"""Masking of sampled values shown as evidence: enough shape to judge, never the value itself."""

from __future__ import annotations

from functools import lru_cache

MASK = "*"


def _mask_chars(text: str, keep_start: int = 0, keep_end: int = 0) -> str:
    """Replace letters and digits with ``*`` except the first/last few; keep punctuation."""
    last = sum(map(str.isalnum, text)) - keep_end  # alphanumerics from this one on are kept
    out = []
    k = 0
    for ch in text:
        if ch.isalnum():
            out.append(ch if k < keep_start or k >= last else MASK)
            k += 1
        else:
            out.append(ch)
    return "".join(out)


def _safe(masked: str, value: str) -> str:
    """Never hand back the raw value (short or punctuation-only values mask to stars)."""
    if masked == value or MASK not in masked:
        return MASK * max(3, min(len(value), 8))
    return masked


def _email(value: str) -> str:
    local, _, domain = value.rpartition("@")
    host, dot, tld = domain.rpartition(".")
    if not host:
        host, dot, tld = domain, "", ""
    masked_local = (local[:1] + MASK * max(1, len(local) - 1)) if local else MASK
    masked_host = ".".join(
        (p[:1] + MASK * max(1, len(p) - 1)) if p else "" for p in host.split(".")
    )
    return f"{masked_local}@{masked_host}{dot}{tld}"


def _url(value: str) -> str:
    scheme, sep, rest = value.partition("://")
    if not sep:
        scheme, rest = "", value
    host, slash, path = rest.partition("/")
    labels = host.split(".")
    if len(labels) >= 2:
        tld = labels[-1]
        masked = [(p[:1] + MASK * max(1, len(p) - 1)) for p in labels[:-1]] + [tld]
        host = ".".join(masked)
    else:
        host = _mask_chars(host, 1)
    tail = "/" + MASK * 3 if slash and path else slash
    return f"{scheme}{sep}{host}{tail}"


def _ip(value: str) -> str:
    if ":" in value:
        groups = value.split(":")
        return ":".join([groups[0]] + [MASK * len(g) if g else "" for g in groups[1:]])
    parts = value.split(".")
    return ".".join([parts[0]] + [MASK * len(p) for p in parts[1:]])


def _geo(value: str) -> str:
    # keep the sign and the integer part's first digit, hide the precise position
    out = []
    seen_digit = False
    for ch in value:
        if ch.isdigit():
            out.append(ch if not seen_digit else MASK)
            seen_digit = True
        else:
            if ch in ",; ":
                seen_digit = False
            out.append(ch)
    return "".join(out)


def _secret(value: str) -> str:
    """A secret shows its kind, never its content: a key's header, a URL's scheme and user."""
    if value.startswith("-----BEGIN "):
        header = value.split("-----", 2)
        return f"-----{header[1]}----- " + MASK * 8 if len(header) > 2 else MASK * 8
    scheme, sep, rest = value.partition("://")
    if sep and "@" in rest:
        userinfo, _, host = rest.rpartition("@")
        user = userinfo.partition(":")[0]
        return f"{scheme}://{user[:1]}{MASK * 3}:{MASK * 6}@{_mask_chars(host, 1, 0)}"
    if "=" in value and ";" in value:
        pairs = [p.partition("=") for p in value.split(";") if p]
        return ";".join(f"{k}={MASK * 6}" for k, _, _ in pairs) + ";"
    return value[:4] + MASK * max(4, min(len(value) - 4, 12))


# Masking styles a spec may name (``InfoTypeSpec.mask``): how much of the value stays visible.
MASK_STYLES = {
    "tail": lambda text: _mask_chars(text, 0, 2),  # identifiers: the last two characters
    "head": lambda text: _mask_chars(text, 2, 0),  # codes whose end encodes a person's data
    "secret": _secret,
    "words": lambda text: " ".join(_mask_chars(word, 1, 0) for word in text.split(" ")),
}


@lru_cache(maxsize=1)
def _styles_by_code() -> dict[str, str]:
    from .infotypes import SYSTEM_INFO_TYPES

    return {spec.code: spec.mask for spec in SYSTEM_INFO_TYPES if spec.mask}


def mask_value(info_type: str, value: str) -> str:
    """Mask ``value`` for display as evidence of ``info_type``.

    ``j***@e******.com``, ``****-****-****-1234``, ``DE** **** **** **** **34``; the result never
    equals the raw value.
    """
    text = value.strip() if isinstance(value, str) else str(value)
    if not text:
        return MASK * 3
    style = _styles_by_code().get(info_type)
    if style is not None:
        masked = MASK_STYLES[style](text)
    elif info_type == "EMAIL_ADDRESS" and "@" in text:
        masked = _email(text)
    elif info_type == "CREDIT_CARD_NUMBER":
        masked = _mask_chars(text, 0, 4)
    elif info_type in ("IBAN", "EU_VAT_NUMBER"):
        masked = _mask_chars(text, 2, 2)
    elif info_type == "SWIFT_BIC":
        masked = _mask_chars(text, 4, 0)
    elif info_type == "URL":
        masked = _url(text)
    elif info_type == "IP_ADDRESS":
        masked = _ip(text)
    elif info_type == "MAC_ADDRESS":
        masked = _mask_chars(text, 6, 0)
    elif info_type == "GEO_COORDINATE":
        masked = _geo(text)
    elif info_type in ("AWS_ACCESS_KEY", "CRYPTO_WALLET"):
        masked = _mask_chars(text, 4, 2)
    elif info_type == "VEHICLE_VIN":
        masked = _mask_chars(text, 3, 0)
    elif info_type in ("PERSON_NAME", "CITY", "COUNTRY", "STREET_ADDRESS", "GENDER"):
        masked = " ".join(_mask_chars(word, 1, 0) for word in text.split(" "))
    elif info_type in ("US_SSN", "UK_NINO", "US_PASSPORT_NUMBER", "PHONE_NUMBER"):
        masked = _mask_chars(text, 0, 2)
    elif info_type in ("DATE_OF_BIRTH", "POSTAL_CODE", "ICD10_CODE"):
        masked = _mask_chars(text, 1, 0)
    else:
        masked = _mask_chars(text, 1, 1) if len(text) > 6 else _mask_chars(text, 0, 0)
    return _safe(masked, text)
