"""The built-in, declarative library of system info types.

An :class:`InfoTypeSpec` is plain data: the Django layer builds the same dataclass for stewards'
custom rules (with their own patterns, dictionary values and thresholds) and hands the list to
:class:`~governance.classifications.engine.engine.Engine`.

Column-name patterns are RE2 searches over the *normalised* column name: lower-cased, accents
folded, camelCase and punctuation split into single spaces (``customerEMail_Addr`` becomes
``customer e mail addr``), so ``\\b`` marks a word boundary. Value patterns are matched against the
whole stripped value.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from .validators import VALIDATORS


class Sensitivity(enum.StrEnum):
    PUBLIC = "Public"
    INTERNAL = "Internal"
    CONFIDENTIAL = "Confidential"
    HIGHLY_CONFIDENTIAL = "Highly Confidential"


class Category(enum.StrEnum):
    CONTACT = "Contact"
    FINANCIAL = "Financial"
    GOVERNMENT_ID = "Government ID"
    NETWORK = "Network"
    PERSONAL = "Personal"
    LOCATION = "Location"
    HEALTH = "Health"
    CREDENTIALS = "Credentials"
    OTHER = "Other"


# Data-type families (see ``features.type_family``).
STRING = "string"
INTEGER = "integer"
DECIMAL = "decimal"
DATE = "date"
DATETIME = "datetime"
BOOLEAN = "boolean"
UUID = "uuid"
INET = "inet"
MACADDR = "macaddr"
TYPE_FAMILIES = (STRING, INTEGER, DECIMAL, DATE, DATETIME, BOOLEAN, UUID, INET, MACADDR, "other")

# Rule confidence of a value-only match, by how distinctive the format is.
STRONG = 0.92  # checksum-validated or unmistakable format
MEDIUM = 0.75  # distinctive format without a checksum
WEAK = 0.35  # ambiguous format: needs the column name (or the model) to agree
DEFAULT_MIN_MATCH_RATIO = 0.6


@dataclass(frozen=True)
class InfoTypeSpec:
    """One classification: how to recognise it from a column's name and sampled values.

    ``value_patterns`` are distinctive formats; ``weak_value_patterns`` are ambiguous ones (a bare
    9-digit number for an SSN) that count as matches but never decide alone. ``validator`` names a
    check in :data:`~governance.classifications.engine.validators.VALIDATORS`; ``dictionary`` names
    a built-in word list (``dictionary_values`` adds a steward's own values). ``column_check``
    names a whole-column condition (e.g. at least two distinct gender values).
    """

    code: str
    name: str
    category: str = Category.OTHER
    sensitivity: str = Sensitivity.CONFIDENTIAL
    value_patterns: tuple[str, ...] = ()
    weak_value_patterns: tuple[str, ...] = ()
    validator: str | None = None
    dictionary: str | None = None
    dictionary_values: frozenset[str] = field(default_factory=frozenset)
    column_name_patterns: tuple[str, ...] = ()
    column_name_exclusions: tuple[str, ...] = ()
    data_types: tuple[str, ...] = (STRING,)
    min_match_ratio: float = DEFAULT_MIN_MATCH_RATIO
    value_confidence: float = MEDIUM
    column_check: str | None = None
    description: str = ""
    system: bool = True

    def __post_init__(self) -> None:
        if not self.code or not self.code.replace("_", "").isalnum():
            raise ValueError(f"info type code {self.code!r} must be alphanumeric/underscore")
        if self.validator is not None and self.validator not in VALIDATORS:
            raise ValueError(f"{self.code}: unknown validator {self.validator!r}")
        if not 0.0 < self.min_match_ratio <= 1.0:
            raise ValueError(f"{self.code}: min_match_ratio must be in (0, 1]")
        if not 0.0 <= self.value_confidence <= 1.0:
            raise ValueError(f"{self.code}: value_confidence must be in [0, 1]")
        if isinstance(self.dictionary_values, (list, set, tuple)):
            object.__setattr__(self, "dictionary_values", frozenset(self.dictionary_values))

    @property
    def has_value_rules(self) -> bool:
        return bool(
            self.value_patterns
            or self.weak_value_patterns
            or self.dictionary
            or self.dictionary_values
        )


SYSTEM_INFO_TYPES: tuple[InfoTypeSpec, ...] = (
    InfoTypeSpec(
        code="EMAIL_ADDRESS",
        name="Email address",
        category=Category.CONTACT,
        sensitivity=Sensitivity.CONFIDENTIAL,
        value_patterns=(
            r"(?i)(?:mailto:)?[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
            r"(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,}",
        ),
        column_name_patterns=(
            r"\be ?mails?\b",
            r"\bemail",
            r"\bmail ?(?:addr|address|adresse|adres|to|id)\b",
            r"\bcourriel",
            r"\bcorreo(?: electronico)?\b",
            r"\bposta elettronica\b",
            r"\bpec\b",
            r"\be ?post\b",
            r"\bmailadres",
            r"\bsahkoposti",
            r"\bmail\b",
        ),
        value_confidence=STRONG,
        description="An email address.",
    ),
    InfoTypeSpec(
        code="PHONE_NUMBER",
        name="Phone number",
        category=Category.CONTACT,
        sensitivity=Sensitivity.CONFIDENTIAL,
        value_patterns=(
            r"(?i)(?:tel:)?\+[0-9][0-9 ()./-]{5,}[0-9](?:\s*(?:x|ext\.?|#)\s*[0-9]{1,6})?",
            r"(?i)\(?[0-9]{2,5}\)?[ ./-]?[0-9][0-9 ./-]{3,}[0-9]"
            r"(?:\s*(?:x|ext\.?|#)\s*[0-9]{1,6})?",
        ),
        weak_value_patterns=(r"[0-9]{7,15}",),
        validator="phone",
        column_name_patterns=(
            r"\bphone",
            r"\btelephone",
            r"\btelefon",
            r"\btelefoon",
            r"\btelefono",
            r"\btelefone",
            r"\btelf?\b",
            r"\btlf\b",
            r"\bmobile?\b",
            r"\bmobil",
            r"\bhandy",
            r"\bcell",
            r"\bfax",
            r"\bportable\b",
            r"\bmovil\b",
            r"\bcelular\b",
            r"\bcellulare\b",
            r"\bgsm\b",
            r"\bmsisdn\b",
            r"\brufnummer",
            r"\bcontact (?:no|number|num)\b",
            r"\bnumer telefonu\b",
            r"\bpuhelin",
        ),
        column_name_exclusions=(r"\bcell(?:s|ular)? ?(?:id|count|type)\b",),
        data_types=(STRING, INTEGER),
        value_confidence=0.55,
        description="A telephone or fax number in national or international format.",
    ),
    InfoTypeSpec(
        code="CREDIT_CARD_NUMBER",
        name="Credit card number",
        category=Category.FINANCIAL,
        sensitivity=Sensitivity.HIGHLY_CONFIDENTIAL,
        value_patterns=(r"[0-9][0-9 -]{10,}[0-9]",),
        validator="luhn",
        column_name_patterns=(
            r"\bcredit ?cards?\b",
            r"\bcreditcard",
            r"\bdebit ?card",
            r"\bcard ?(?:number|num|no|nr|pan)\b",
            r"\bcc ?(?:number|num|no|nr)\b",
            r"\bccn\b",
            r"\bpan\b",
            r"\bkredit ?karte",
            r"\bkarten ?nummer",
            r"\bcarte (?:bancaire|de credit|bleue)\b",
            r"\bnumero (?:de )?(?:carte|tarjeta)\b",
            r"\btarjeta",
            r"\bcarta di credito\b",
            r"\bcartao",
            r"\bkarta (?:kredytowa|platnicza)\b",
            r"\bcard\b",
        ),
        column_name_exclusions=(r"\bcard ?(?:type|brand|holder|expir\w*|exp|cvv|cvc)\b",),
        data_types=(STRING, INTEGER, DECIMAL),
        value_confidence=STRONG,
        description="A payment card number (PAN) with a valid Luhn check digit.",
    ),
    InfoTypeSpec(
        code="US_SSN",
        name="US Social Security number",
        category=Category.GOVERNMENT_ID,
        sensitivity=Sensitivity.HIGHLY_CONFIDENTIAL,
        value_patterns=(r"[0-9]{3}-[0-9]{2}-[0-9]{4}", r"[0-9]{3} [0-9]{2} [0-9]{4}"),
        weak_value_patterns=(r"[0-9]{9}",),
        validator="ssn",
        column_name_patterns=(
            r"\bssn\b",
            r"\bsocial ?security",
            r"\bsoc ?sec\b",
            r"\bss ?(?:no|num|number)\b",
        ),
        data_types=(STRING, INTEGER),
        value_confidence=0.82,
        description="A US Social Security number (area, group and serial rules).",
    ),
    InfoTypeSpec(
        code="IBAN",
        name="IBAN",
        category=Category.FINANCIAL,
        sensitivity=Sensitivity.HIGHLY_CONFIDENTIAL,
        value_patterns=(r"(?i)[a-z]{2}[0-9]{2}[ -]?[a-z0-9][a-z0-9 -]{9,}[a-z0-9]",),
        validator="iban",
        column_name_patterns=(
            r"\biban",
            r"\bbank ?account",
            r"\baccount ?(?:number|no|nr)\b",
            r"\bkonto ?(?:nummer|nr)?\b",
            r"\bbankverbindung",
            r"\brib\b",
            r"\bnumero de compte\b",
            r"\bcuenta(?: bancaria)?\b",
            r"\bconto(?: corrente)?\b",
            r"\brekening ?(?:nummer|nr)?\b",
            r"\bnumer konta\b",
        ),
        value_confidence=STRONG,
        description="An International Bank Account Number with a valid mod-97 check.",
    ),
    InfoTypeSpec(
        code="SWIFT_BIC",
        name="SWIFT/BIC code",
        category=Category.FINANCIAL,
        sensitivity=Sensitivity.CONFIDENTIAL,
        value_patterns=(r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?",),
        validator="bic",
        column_name_patterns=(
            r"\bswift",
            r"\bbic\b",
            r"\bbic ?code\b",
            r"\bbank ?(?:identifier|code)\b",
            r"\bcodigo swift\b",
        ),
        value_confidence=MEDIUM,
        description="A bank's SWIFT/BIC code (8 or 11 characters with a valid country).",
    ),
    InfoTypeSpec(
        code="IP_ADDRESS",
        name="IP address",
        category=Category.NETWORK,
        sensitivity=Sensitivity.CONFIDENTIAL,
        value_patterns=(
            r"(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?:/[0-9]{1,2})?",
            r"(?i)[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?:/[0-9]{1,3})?",
            r"(?i)[0-9a-f:]+:(?:[0-9]{1,3}\.){3}[0-9]{1,3}",
        ),
        validator="ip",
        column_name_patterns=(
            r"\bip\b",
            r"\bipv[46]\b",
            r"\bip ?(?:addr|address|adresse|adres)\b",
            r"\bipaddr",
            r"\bremote ?(?:addr|host)\b",
            r"\bclient ?ip\b",
            r"\bhost ?ip\b",
            r"\bsource ?ip\b",
            r"\bdirecc?ion ip\b",
            r"\bindirizzo ip\b",
            r"\bx forwarded for\b",
        ),
        data_types=(STRING, INET),
        value_confidence=STRONG,
        description="An IPv4 or IPv6 address.",
    ),
    InfoTypeSpec(
        code="MAC_ADDRESS",
        name="MAC address",
        category=Category.NETWORK,
        sensitivity=Sensitivity.INTERNAL,
        value_patterns=(
            r"(?i)[0-9a-f]{2}(?::[0-9a-f]{2}){5}",
            r"(?i)[0-9a-f]{2}(?:-[0-9a-f]{2}){5}",
            r"(?i)[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}",
        ),
        weak_value_patterns=(r"(?i)[0-9a-f]{12}",),
        validator="mac",
        column_name_patterns=(
            r"\bmac\b",
            r"\bmac ?(?:addr|address|adresse|adres)\b",
            r"\bmacaddr",
            r"\bhw ?addr",
            r"\bhardware ?(?:addr|address)\b",
            r"\bbssid\b",
            r"\bethernet ?addr",
        ),
        data_types=(STRING, MACADDR),
        value_confidence=STRONG,
        description="A network interface's hardware (MAC) address.",
    ),
    InfoTypeSpec(
        code="URL",
        name="URL",
        category=Category.CONTACT,
        sensitivity=Sensitivity.INTERNAL,
        value_patterns=(
            r"(?i)(?:https?|ftps?|sftp)://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?",
            r"(?i)(?:https?|ftps?)://[^\s/?#]+(?::[0-9]+)?(?:[/?#]\S*)?",
            r"(?i)www\.[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:[/?#]\S*)?",
        ),
        weak_value_patterns=(
            r"(?i)[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|co|info|biz|de|fr|uk|es|it|nl"
            r"|eu|be|ch|at|pl|pt|br|ca|us|se|dk|no|fi|ru|cz|app|dev|ai|me)(?:/\S*)?",
        ),
        column_name_patterns=(
            r"\burls?\b",
            r"\buri\b",
            r"\bweb ?site",
            r"\bwebseite\b",
            r"\binternet ?seite\b",
            r"\bhome ?page\b",
            r"\blink\b",
            r"\bhref\b",
            r"\bsite ?web\b",
            r"\bsitio web\b",
            r"\bpagina web\b",
            r"\bsito web\b",
            r"\burl\w*",
            r"\bweb\b",
        ),
        value_confidence=STRONG,
        description="A web address (URL).",
    ),
    InfoTypeSpec(
        code="PERSON_NAME",
        name="Person name",
        category=Category.PERSONAL,
        sensitivity=Sensitivity.CONFIDENTIAL,
        value_patterns=(r"(?i)\pL[\pL'’.-]*(?:,? +\pL[\pL'’.-]*){0,4}",),
        validator="person_name",
        dictionary="person_names",
        column_name_patterns=(
            r"\b(?:first|last|middle|full|given|family|sur|maiden|nick|display|birth|legal|"
            r"preferred|second|christian) ?names?\b",
            r"\b(?:customer|client|contact|employee|patient|person|member|holder|card ?holder|"
            r"account ?holder|owner|driver|passenger|guest|student|teacher|doctor|physician|"
            r"author|recipient|sender|beneficiary|applicant|candidate|buyer|seller|tenant|"
            r"emergency contact|signatory|spouse|parent|manager|agent|rep|user) ?names?\b",
            r"\bnames?\b",
            r"\b[fl]name\b",
            r"\bsurname\b",
            r"\bforename\b",
            r"\bvor ?name\b",
            r"\bnach ?name\b",
            r"\bfamilien ?name\b",
            r"\bnom(?: de famille| complet)?\b",
            r"\bprenom\b",
            r"\bnombre(?: completo)?\b",
            r"\bapellidos?\b",
            r"\bnome(?: completo)?\b",
            r"\bcognome\b",
            r"\bsobrenome\b",
            r"\bvoor ?naam\b",
            r"\bachter ?naam\b",
            r"\bnaam\b",
            r"\bimie\b",
            r"\bnazwisko\b",
            r"\bfornavn\b",
            r"\befternavn\b",
            r"\betunimi\b",
            r"\bsukunimi\b",
            r"\bcontact ?person\b",
            r"\bansprechpartner\b",
            r"\bcardholder\b",
            r"\bsignatory\b",
        ),
        column_name_exclusions=(
            r"\b(?:product|item|company|firm|business|org|organi[sz]ation|brand|file|host|"
            r"domain|server|table|column|field|schema|database|db|app|application|device|"
            r"category|department|dept|team|project|store|shop|bank|city|country|street|"
            r"state|region|event|campaign|job|role|group|plan|tier|model|package|pkg|service|"
            r"tag|label|key|display ?key|user ?name|username|login|screen|"
            r"merchant|vendor|supplier|venue|hotel|school|university|course|color|colour|"
            r"feature|metric|file|image|template|queue|topic|bucket|cluster|env|network|"
            r"ship|vessel|site|location|place|building|unit|warehouse|firma|entreprise|"
            r"empresa|azienda|produit|producto|prodotto|produkt|artikel|article|bezeichnung|"
            r"libelle)\b",
            r"\bname ?(?:space|server)\b",
            r"\bnamespace",
        ),
        value_confidence=WEAK,
        description="A person's first, last or full name.",
    ),
    InfoTypeSpec(
        code="STREET_ADDRESS",
        name="Street address",
        category=Category.LOCATION,
        sensitivity=Sensitivity.CONFIDENTIAL,
        value_patterns=(
            # letters and a digit (in either order) from the characters addresses use
            r"(?is)[\pL0-9#][\pL0-9 ,.'’/#°ºª&()\n\r-]*\pL[\pL0-9 ,.'’/#°ºª&()\n\r-]*"
            r"[0-9][\pL0-9 ,.'’/#°ºª&()\n\r-]*",
            r"(?is)[\pL0-9#][\pL0-9 ,.'’/#°ºª&()\n\r-]*[0-9][\pL0-9 ,.'’/#°ºª&()\n\r-]*"
            r"\pL[\pL0-9 ,.'’/#°ºª&()\n\r-]*",
        ),
        validator="street_address",
        column_name_patterns=(
            r"\baddress",
            r"\baddr\b",
            r"\bstreet",
            r"\bstrasse\b",
            r"\bstr\b",
            r"\badresse\b",
            r"\banschrift\b",
            r"\bdireccion\b",
            r"\bdomicilio\b",
            r"\bcalle\b",
            r"\bindirizzo\b",
            r"\badres\b",
            r"\bstraat\b",
            r"\bendereco\b",
            r"\brua\b",
            r"\bulica\b",
            r"\badress\b",
            r"\bosoite\b",
            r"\b(?:billing|shipping|mailing|postal|home|delivery|residential|work|office)"
            r" ?(?:addr|address|line)",
            r"\baddress ?line",
            r"\bline ?[12]\b",
            r"\bwohnadresse\b",
            r"\blieferadresse\b",
            r"\brechnungsadresse\b",
        ),
        column_name_exclusions=(
            r"\b(?:e ?mail|email|ip|mac|web|url|wallet|btc|eth|crypto|bitcoin|ethereum|"
            r"contract|hardware|hw|memory|mem|ipv[46]|remote|server|host|node|broadcast|"
            r"mailing list)\b",
            r"\bemail",
            r"\baddress ?(?:type|id|count|verified|status|format|validated)\b",
        ),
        value_confidence=MEDIUM,
        description="A street address, alone or as a full postal address.",
    ),
    InfoTypeSpec(
        code="POSTAL_CODE",
        name="Postal code",
        category=Category.LOCATION,
        sensitivity=Sensitivity.INTERNAL,
        value_patterns=(
            r"[0-9]{5}-[0-9]{4}",
            r"(?i)[a-z]{1,2}[0-9][a-z0-9]? ?[0-9][a-z]{2}",
            r"(?i)[a-z][0-9][a-z] ?[0-9][a-z][0-9]",
            r"(?i)[0-9]{4} ?[a-z]{2}",
            r"[0-9]{2}-[0-9]{3}",
            r"[0-9]{5}-[0-9]{3}",
            r"[0-9]{4}-[0-9]{3}",
            r"(?i)(?:[a-z]{1,2}-)[0-9]{4,5}",
        ),
        weak_value_patterns=(
            r"[0-9]{5}",
            r"[0-9]{4}",
            r"[0-9]{3} [0-9]{2}",
            r"[0-9]{6}",
            r"[0-9]{3}-[0-9]{4}",
            r"[0-9]{8}",
        ),
        column_name_patterns=(
            r"\bzip",
            r"\bpostal",
            r"\bpost ?code",
            r"\bpostcode",
            r"\bplz\b",
            r"\bpostleitzahl",
            r"\bcode postal\b",
            r"\bcp\b",
            r"\bcodigo postal\b",
            r"\bcod postal\b",
            r"\bcap\b",
            r"\bcodice postale\b",
            r"\bcep\b",
            r"\bkod pocztowy\b",
            r"\bpost ?(?:nummer|nr|no)\b",
            r"\bpostinumero\b",
            r"\biranyitoszam\b",
            r"\bpsc\b",
            r"\beircode\b",
            r"\bpin ?code\b",
        ),
        data_types=(STRING, INTEGER),
        value_confidence=0.7,
        description="A postal (ZIP) code in any national format.",
    ),
    InfoTypeSpec(
        code="CITY",
        name="City",
        category=Category.LOCATION,
        sensitivity=Sensitivity.INTERNAL,
        value_patterns=(r"(?i)\pL[\pL'’. -]*\pL\.?(?: ?\([\pL .]+\))?",),
        validator="city",
        dictionary="cities",
        column_name_patterns=(
            r"\bcity\b",
            r"\bcities\b",
            r"\btown\b",
            r"\bort\b",
            r"\bstadt\b",
            r"\bwohnort\b",
            r"\bville\b",
            r"\bciudad\b",
            r"\blocalidad\b",
            r"\bmunicipio\b",
            r"\bcitta\b",
            r"\bcomune\b",
            r"\bplaats\b",
            r"\bwoonplaats\b",
            r"\bcidade\b",
            r"\bmiasto\b",
            r"\bmiejscowosc\b",
            r"\bkaupunki\b",
            r"\bmunicipality\b",
            r"\blocality\b",
            r"\bgemeinde\b",
            r"\bcommune\b",
            r"\b(?:birth|home|billing|shipping|delivery|mailing) ?(?:city|town|place)\b",
            r"\bplace of birth\b",
            r"\bgeburtsort\b",
            r"\blieu de naissance\b",
        ),
        column_name_exclusions=(r"\bcity ?(?:id|code|count)\b",),
        value_confidence=WEAK,
        description="A city, town or municipality name.",
    ),
    InfoTypeSpec(
        code="COUNTRY",
        name="Country",
        category=Category.LOCATION,
        sensitivity=Sensitivity.INTERNAL,
        value_patterns=(r"(?i)\pL[\pL'’.,() -]+",),
        validator="country",
        dictionary="countries",
        column_name_patterns=(
            r"\bcountry",
            r"\bcountries\b",
            r"\bctry\b",
            r"\bcntry\b",
            r"\bland\b",
            r"\blaender\b",
            r"\bpays\b",
            r"\bpais\b",
            r"\bpaese\b",
            r"\bnazione\b",
            r"\bkraj\b",
            r"\bmaa\b",
            r"\bnationality\b",
            r"\bnationalite\b",
            r"\bnacionalidad\b",
            r"\bnazionalita\b",
            r"\bnationaliteit\b",
            r"\bnacionalidade\b",
            r"\bstaatsangehorigkeit\b",
            r"\bstaatsangehoerigkeit\b",
            r"\bcitizenship\b",
            r"\bnation\b",
            r"\biso ?(?:2|3|alpha ?[23]|country)\b",
        ),
        column_name_exclusions=(r"\bcountry ?(?:id|count)\b",),
        value_confidence=0.72,
        description="A country name or ISO 3166 code.",
    ),
    InfoTypeSpec(
        code="DATE_OF_BIRTH",
        name="Date of birth",
        category=Category.PERSONAL,
        sensitivity=Sensitivity.CONFIDENTIAL,
        value_patterns=(
            r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[ T]00:00(?::00(?:\.0+)?)?(?:Z|[+-]00:?00)?)?",
            r"[0-9]{1,2}[./-][0-9]{1,2}[./-][0-9]{4}",
            r"[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}",
            r"(?i)\pL{3,9}\.? [0-9]{1,2},? [0-9]{4}",
            r"(?i)[0-9]{1,2}\.? \pL{3,9}\.? [0-9]{4}",
        ),
        weak_value_patterns=(r"[0-9]{8}",),
        validator="birth_date",
        column_name_patterns=(
            r"\bdob\b",
            r"\bd o b\b",
            r"\bbirth",
            r"\bborn\b",
            r"\bbday\b",
            r"\bgeburts ?datum\b",
            r"\bgeburtstag\b",
            r"\bgeb ?datum\b",
            r"\bgebdat\b",
            r"\bdate (?:de )?naissance\b",
            r"\bnaissance\b",
            r"\bfecha (?:de )?nacimiento\b",
            r"\bnacimiento\b",
            r"\bdata (?:di )?nascita\b",
            r"\bnascita\b",
            r"\bgeboorte ?datum\b",
            r"\bdata (?:de )?nascimento\b",
            r"\bnascimento\b",
            r"\bdata urodzenia\b",
            r"\burodzin",
            r"\bsyntymaaika\b",
            r"\bfodelsedag\b",
            r"\bfodselsdato\b",
        ),
        column_name_exclusions=(
            r"\bbirth ?(?:place|city|country|name|town|weight|year|month|order|rate)\b",
        ),
        data_types=(STRING, DATE, DATETIME, INTEGER),
        value_confidence=WEAK,
        description="A person's date of birth.",
    ),
    InfoTypeSpec(
        code="GENDER",
        name="Gender",
        category=Category.PERSONAL,
        sensitivity=Sensitivity.CONFIDENTIAL,
        value_patterns=(r"(?i)\pL[\pL .-]*",),
        validator="gender",
        dictionary="genders",
        column_name_patterns=(
            r"\bgenders?\b",
            r"\bsex\b",
            r"\bgeschlecht\b",
            r"\bsexe\b",
            r"\bgenre\b",
            r"\bsexo\b",
            r"\bgenero\b",
            r"\bsesso\b",
            r"\bgenere\b",
            r"\bgeslacht\b",
            r"\bplec\b",
            r"\bkon\b",
            r"\bkoen\b",
            r"\bsukupuoli\b",
        ),
        column_name_exclusions=(r"\bgender ?(?:id|ratio|gap|count)\b",),
        value_confidence=MEDIUM,
        column_check="gender_variety",
        description="A person's gender or sex.",
    ),
    InfoTypeSpec(
        code="GEO_COORDINATE",
        name="Geographic coordinate",
        category=Category.LOCATION,
        sensitivity=Sensitivity.CONFIDENTIAL,
        value_patterns=(
            r"[(\[]?[-+]?[0-9]{1,2}\.[0-9]{2,}\s*[,;]\s*[-+]?[0-9]{1,3}\.[0-9]{2,}[)\]]?",
            r"[-+]?[0-9]{1,2}\.[0-9]{2,} [-+]?[0-9]{1,3}\.[0-9]{2,}",
            r"(?i)[0-9]{1,3}\.[0-9]{2,} ?[nsew]",
            r"(?i)point ?\( ?[-+]?[0-9.]+ [-+]?[0-9.]+ ?\)",
        ),
        weak_value_patterns=(r"[-+]?[0-9]{1,3}\.[0-9]{3,}",),
        validator="geo",
        column_name_patterns=(
            r"\blat\b",
            r"\blatitude",
            r"\blon\b",
            r"\blng\b",
            r"\blong\b",
            r"\blongitude",
            r"\bcoords?\b",
            r"\bcoordinates?\b",
            r"\bcoordonnees\b",
            r"\bcoordenadas\b",
            r"\bcoordinate\b",
            r"\bkoordinaten?\b",
            r"\bgeo ?(?:loc|location|point|position|coord)",
            r"\bgeo\b",
            r"\bgps\b",
            r"\blat ?(?:lng|lon|long)\b",
            r"\blatlng\b",
            r"\blatlon",
            r"\bbreiten ?grad\b",
            r"\blaengen ?grad\b",
            r"\blangen ?grad\b",
            r"\blatitud\b",
            r"\blongitud\b",
            r"\bbreedtegraad\b",
            r"\blengtegraad\b",
            r"\bszerokosc\b",
            r"\bdlugosc geograficzna\b",
        ),
        data_types=(STRING, DECIMAL),
        value_confidence=0.8,
        description="A latitude, a longitude or a latitude/longitude pair.",
    ),
    InfoTypeSpec(
        code="US_PASSPORT_NUMBER",
        name="US passport number",
        category=Category.GOVERNMENT_ID,
        sensitivity=Sensitivity.HIGHLY_CONFIDENTIAL,
        weak_value_patterns=(r"[0-9]{9}", r"(?i)[a-z][0-9]{8}"),
        column_name_patterns=(
            r"\bpassport",
            r"\bpass ?(?:no|nr|num|number)\b",
            r"\bpassnummer\b",
            r"\breise ?pass",
            r"\bpasseport\b",
            r"\bpasaporte\b",
            r"\bpassaporto\b",
            r"\bpaspoort",
            r"\bpassaporte\b",
            r"\bpaszport",
            r"\bppn\b",
        ),
        column_name_exclusions=(
            r"\bpassport ?(?:country|issuer|issued|expiry|expiration|type|status|photo)\b",
        ),
        data_types=(STRING, INTEGER),
        value_confidence=WEAK,
        description="A US passport book number (9 digits, or a letter and 8 digits).",
    ),
    InfoTypeSpec(
        code="UK_NINO",
        name="UK National Insurance number",
        category=Category.GOVERNMENT_ID,
        sensitivity=Sensitivity.HIGHLY_CONFIDENTIAL,
        value_patterns=(r"(?i)[a-z]{2}[ -]?[0-9]{2}[ -]?[0-9]{2}[ -]?[0-9]{2}[ -]?[a-d]?",),
        validator="nino",
        column_name_patterns=(
            r"\bnino\b",
            r"\bni ?(?:no|num|number|nr)\b",
            r"\bnational ?insurance",
            r"\bnat ?ins",
            r"\bnin\b",
            r"\bnational ?insurance ?(?:no|number)\b",
        ),
        value_confidence=STRONG,
        description="A UK National Insurance number (prefix and suffix rules).",
    ),
    InfoTypeSpec(
        code="EU_VAT_NUMBER",
        name="EU VAT number",
        category=Category.FINANCIAL,
        sensitivity=Sensitivity.INTERNAL,
        value_patterns=(
            r"(?i)(?:AT|BE|BG|CY|CZ|DE|DK|EE|EL|GR|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|"
            r"SE|SI|SK|GB|XI)[ -]?[0-9a-z]{0,2}[0-9][0-9a-z .+*-]{5,}",
        ),
        validator="vat",
        column_name_patterns=(
            r"\bvat",
            r"\bust ?id",
            r"\bust ?idnr\b",
            r"\bumsatzsteuer",
            r"\bmwst",
            r"\btva\b",
            r"\bnumero (?:de )?tva\b",
            r"\biva\b",
            r"\bpartita iva\b",
            r"\bnif\b",
            r"\bcif\b",
            r"\bbtw",
            r"\bnip\b",
            r"\bmoms\b",
            r"\btax ?(?:id|number|no|reg)\b",
            r"\bsteuer ?(?:nummer|id)\b",
        ),
        column_name_exclusions=(r"\bvat ?(?:rate|amount|percent|pct|code|total|included)\b",),
        value_confidence=STRONG,
        description="A VAT identification number of an EU member state (or GB) with check digits.",
    ),
    InfoTypeSpec(
        code="CRYPTO_WALLET",
        name="Crypto wallet address",
        category=Category.FINANCIAL,
        sensitivity=Sensitivity.CONFIDENTIAL,
        value_patterns=(
            r"[13][1-9A-HJ-NP-Za-km-z]{25,}",
            r"(?i)(?:bc1|tb1)[02-9ac-hj-np-z]{8,}",
            r"(?i)0x[0-9a-f]{40}",
        ),
        validator="crypto",
        column_name_patterns=(
            r"\bwallet",
            r"\bbtc\b",
            r"\bbitcoin",
            r"\beth\b",
            r"\bethereum",
            r"\bcrypto",
            r"\b(?:payout|deposit|withdrawal|receiving|public) ?address\b",
        ),
        column_name_exclusions=(r"\bwallet ?(?:id|balance|type|provider)\b",),
        value_confidence=STRONG,
        description="A Bitcoin (legacy, P2SH, bech32) or Ethereum address.",
    ),
    InfoTypeSpec(
        code="AWS_ACCESS_KEY",
        name="AWS access key id",
        category=Category.CREDENTIALS,
        sensitivity=Sensitivity.HIGHLY_CONFIDENTIAL,
        value_patterns=(r"(?i)(?:AKIA|ASIA|AIDA|AROA|AIPA|ANPA|ANVA|AGPA|ABIA)[A-Z0-9]{16}",),
        validator="aws_key",
        column_name_patterns=(
            r"\baws",
            r"\baccess ?key",
            r"\bkey ?id\b",
            r"\bakid\b",
            r"\biam ?key",
            r"\bapi ?key\b",
        ),
        value_confidence=STRONG,
        description="An AWS access key id (AKIA..., ASIA...).",
    ),
    InfoTypeSpec(
        code="VEHICLE_VIN",
        name="Vehicle identification number",
        category=Category.PERSONAL,
        sensitivity=Sensitivity.CONFIDENTIAL,
        value_patterns=(r"(?i)[a-hj-npr-z0-9]{17}",),
        validator="vin",
        column_name_patterns=(
            r"\bvin\b",
            r"\bvin ?(?:no|num|number|nr|code)\b",
            r"\bvehicle ?(?:id|identification|identifier)",
            r"\bchassis",
            r"\bfahrgestell",
            r"\bfin\b",
            r"\bbastidor\b",
            r"\btelaio\b",
            r"\bchassi\b",
        ),
        value_confidence=STRONG,
        description="A 17-character vehicle identification number with a valid check digit.",
    ),
    InfoTypeSpec(
        code="ICD10_CODE",
        name="ICD-10 diagnosis code",
        category=Category.HEALTH,
        sensitivity=Sensitivity.HIGHLY_CONFIDENTIAL,
        value_patterns=(r"(?i)[a-tv-z][0-9][0-9ab]\.[0-9a-z]{1,4}",),
        weak_value_patterns=(r"(?i)[a-tv-z][0-9][0-9ab][0-9a-z]{0,4}",),
        validator="icd10",
        column_name_patterns=(
            r"\bicd",
            r"\bicd ?10",
            r"\bdiagnos[ie]s? ?(?:code|cd)?\b",
            r"\bdx ?(?:code|cd)?\b",
            r"\bdiagnose ?(?:code|schlussel|schluessel)?\b",
            r"\bcode diagnostic\b",
            r"\bcodigo (?:de )?diagnostico\b",
            r"\bcodice diagnosi\b",
            r"\bdiagnosi\b",
            r"\bcim ?10\b",
            r"\bcie ?10\b",
            r"\bcondition ?code\b",
        ),
        value_confidence=0.8,
        description="An ICD-10 diagnosis code (e.g. E11.9).",
    ),
)

SYSTEM_CODES: tuple[str, ...] = tuple(spec.code for spec in SYSTEM_INFO_TYPES)
_BY_CODE = {spec.code: spec for spec in SYSTEM_INFO_TYPES}


def get_spec(code: str) -> InfoTypeSpec:
    """The system spec for ``code`` (``KeyError`` if there is none)."""
    return _BY_CODE[code]
