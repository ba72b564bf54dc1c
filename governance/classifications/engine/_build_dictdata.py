"""Regenerate ``_dictdata.py``, the engine's built-in dictionaries.

    .venv/bin/python -m governance.classifications.engine._build_dictdata
    .venv/bin/ruff format governance/classifications/engine/_dictdata.py

Word lists are drawn from Faker's locale providers (a modest, capped share of each locale's
first names, last names, real city names, street words and localised country names) and from
phonenumbers' region list, plus hand-written multilingual lists below. The output is plain Python
data so that the engine needs neither Faker nor phonenumbers' metadata at import time.
"""

from __future__ import annotations

import importlib
import pprint
import unicodedata
from pathlib import Path

LOCALES = [
    "en_US",
    "en_GB",
    "en_IE",
    "en_AU",
    "en_CA",
    "en_IN",
    "de_DE",
    "de_AT",
    "de_CH",
    "fr_FR",
    "fr_CH",
    "es_ES",
    "es_MX",
    "it_IT",
    "nl_NL",
    "nl_BE",
    "pt_BR",
    "pt_PT",
    "pl_PL",
    "sv_SE",
    "da_DK",
    "no_NO",
    "fi_FI",
    "cs_CZ",
    "sk_SK",
    "ro_RO",
    "hu_HU",
    "hr_HR",
    "sl_SI",
    "et_EE",
    "lt_LT",
    "lv_LV",
    "tr_TR",
    "el_GR",
    "ru_RU",
    "uk_UA",
    "bg_BG",
    "id_ID",
    "fil_PH",
    "vi_VN",
]
NAMES_PER_LOCALE = 260
CITIES_PER_LOCALE = 220

WORLD_CITIES = """
new york|los angeles|chicago|houston|phoenix|philadelphia|san antonio|san diego|dallas|san jose|
austin|jacksonville|san francisco|columbus|fort worth|indianapolis|charlotte|seattle|denver|
washington|boston|el paso|nashville|detroit|oklahoma city|portland|las vegas|memphis|louisville|
baltimore|milwaukee|albuquerque|tucson|fresno|sacramento|kansas city|mesa|atlanta|omaha|
colorado springs|raleigh|miami|long beach|virginia beach|oakland|minneapolis|tulsa|tampa|
arlington|new orleans|wichita|cleveland|bakersfield|aurora|anaheim|honolulu|santa ana|riverside|
corpus christi|lexington|henderson|stockton|saint paul|st. louis|cincinnati|pittsburgh|
greensboro|anchorage|plano|lincoln|orlando|irvine|newark|toledo|durham|chula vista|fort wayne|
jersey city|st. petersburg|laredo|madison|chandler|buffalo|lubbock|scottsdale|reno|glendale|
gilbert|winston-salem|north las vegas|norfolk|chesapeake|garland|irving|hialeah|fremont|boise|
richmond|baton rouge|spokane|des moines|tacoma|san bernardino|modesto|fontana|santa clarita|
birmingham|oxnard|fayetteville|moreno valley|rochester|salt lake city|springfield|hartford|
providence|albany|trenton|burlington|savannah|charleston|montgomery|little rock|
london|manchester|liverpool|leeds|sheffield|bristol|glasgow|edinburgh|cardiff|belfast|
newcastle|nottingham|leicester|southampton|brighton|oxford|cambridge|york|bath|aberdeen|dundee|
coventry|bradford|plymouth|reading|derby|swansea|wolverhampton|stoke-on-trent|sunderland|
dublin|cork|galway|limerick|
toronto|montreal|vancouver|calgary|ottawa|edmonton|winnipeg|quebec|halifax|victoria|
sydney|melbourne|brisbane|perth|adelaide|auckland|wellington|christchurch|
berlin|hamburg|münchen|munich|köln|cologne|frankfurt|frankfurt am main|stuttgart|düsseldorf|
dortmund|essen|leipzig|bremen|dresden|hannover|nürnberg|nuremberg|duisburg|bochum|wuppertal|
bielefeld|bonn|münster|karlsruhe|mannheim|augsburg|wiesbaden|freiburg|heidelberg|kiel|rostock|
wien|vienna|graz|linz|salzburg|innsbruck|zürich|zurich|genf|genève|geneva|basel|bern|lausanne|
luzern|paris|marseille|lyon|toulouse|nice|nantes|strasbourg|montpellier|bordeaux|lille|rennes|
reims|le havre|saint-étienne|toulon|grenoble|dijon|angers|nîmes|villeurbanne|clermont-ferrand|
le mans|aix-en-provence|brest|tours|amiens|limoges|perpignan|metz|besançon|orléans|rouen|caen|
nancy|avignon|bruxelles|brussels|brussel|antwerpen|anvers|antwerp|gent|gand|ghent|liège|
charleroi|namur|brugge|bruges|leuven|luxembourg|amsterdam|rotterdam|den haag|the hague|
's-gravenhage|utrecht|eindhoven|groningen|tilburg|almere|breda|nijmegen|arnhem|haarlem|
enschede|maastricht|leiden|zwolle|delft|madrid|barcelona|valencia|sevilla|seville|zaragoza|
málaga|murcia|palma|las palmas|bilbao|alicante|córdoba|valladolid|vigo|gijón|granada|
a coruña|vitoria|santander|pamplona|salamanca|toledo|cádiz|lisboa|lisbon|porto|braga|coimbra|
faro|funchal|roma|rome|milano|milan|napoli|naples|torino|turin|palermo|genova|genoa|bologna|
firenze|florence|bari|catania|venezia|venice|verona|messina|padova|trieste|brescia|parma|
taranto|prato|modena|reggio calabria|perugia|livorno|cagliari|pisa|bergamo|
københavn|copenhagen|aarhus|odense|aalborg|stockholm|göteborg|gothenburg|malmö|uppsala|oslo|
bergen|trondheim|stavanger|helsinki|espoo|tampere|turku|oulu|reykjavík|warszawa|warsaw|kraków|
krakow|łódź|wrocław|poznań|gdańsk|szczecin|bydgoszcz|lublin|katowice|praha|prague|brno|ostrava|
plzeň|bratislava|košice|budapest|debrecen|szeged|bucurești|bucharest|cluj-napoca|timișoara|
iași|sofia|plovdiv|varna|beograd|belgrade|zagreb|split|ljubljana|sarajevo|skopje|tirana|athens|
athína|thessaloniki|istanbul|ankara|izmir|bursa|antalya|nicosia|valletta|tallinn|riga|vilnius|
kaunas|kyiv|kiev|kharkiv|odesa|lviv|minsk|moskva|moscow|saint petersburg|novosibirsk|
são paulo|sao paulo|rio de janeiro|brasília|brasilia|salvador|fortaleza|belo horizonte|manaus|
curitiba|recife|porto alegre|belém|goiânia|campinas|florianópolis|buenos aires|córdoba|rosario|
mendoza|santiago|valparaíso|lima|arequipa|bogotá|medellín|cali|barranquilla|cartagena|quito|
guayaquil|caracas|maracaibo|montevideo|asunción|la paz|ciudad de méxico|mexico city|
guadalajara|monterrey|puebla|tijuana|cancún|havana|la habana|san juan|panamá|san josé|
tokyo|osaka|kyoto|yokohama|nagoya|sapporo|kobe|fukuoka|seoul|busan|incheon|beijing|shanghai|
guangzhou|shenzhen|chengdu|wuhan|hong kong|taipei|singapore|kuala lumpur|bangkok|jakarta|
surabaya|manila|quezon city|ho chi minh city|hanoi|mumbai|delhi|new delhi|bangalore|bengaluru|
hyderabad|chennai|kolkata|pune|ahmedabad|jaipur|karachi|lahore|islamabad|dhaka|colombo|
kathmandu|dubai|abu dhabi|doha|riyadh|jeddah|tehran|baghdad|tel aviv|jerusalem|amman|beirut|
cairo|alexandria|casablanca|rabat|marrakech|tunis|algiers|lagos|abuja|accra|nairobi|
addis ababa|dar es salaam|kampala|kinshasa|luanda|johannesburg|cape town|durban|pretoria
"""

GENDER_TERMS = """
m|f|male|female|man|woman|men|women|boy|girl|masc|fem|mal|fml|non-binary|nonbinary|non binary|
nb|diverse|divers|d|w|männlich|maennlich|weiblich|mann|frau|herr|homme|femme|masculin|féminin|
feminin|h|hombre|mujer|masculino|femenino|feminino|varón|maschio|femmina|maschile|femminile|
uomo|donna|mannelijk|vrouwelijk|vrouw|v|mężczyzna|kobieta|k|mezczyzna|mies|nainen|mand|kvinde|
kvinna|kvinne|mann|muž|žena|erkek|kadın|мужской|женский|м|ж|x|u|o|other|unknown|
prefer not to say|not specified|unspecified|andere|autre|otro|altro|anders|inny|sonstige
"""
# Terms that only count as gender evidence together with the others (too generic alone).
GENDER_WEAK_TERMS = """
x|u|o|d|other|unknown|prefer not to say|not specified|unspecified|andere|autre|otro|altro|anders|
inny|sonstige|nb
"""

STREET_WORDS = """
street|st|st.|str|str.|road|rd|rd.|avenue|ave|ave.|av|av.|boulevard|blvd|blvd.|lane|ln|ln.|drive|
dr|dr.|court|ct|ct.|place|pl|pl.|square|sq|terrace|way|parkway|pkwy|highway|hwy|circle|cir|close|
crescent|cres|grove|gardens|row|walk|mews|hill|park|view|trail|path|alley|plaza|suite|ste|apt|
apt.|unit|floor|box|po|p.o.|building|bldg|straße|strasse|str|gasse|weg|allee|platz|ring|damm|
chaussee|ufer|steig|pfad|markt|hof|rue|avenue|chemin|impasse|allée|quai|cours|place|route|
boulevard|bd|passage|voie|sentier|square|calle|c/|avenida|avda|paseo|plaza|carretera|camino|
ronda|travesía|glorieta|via|viale|piazza|corso|vicolo|largo|strada|contrada|borgo|straat|laan|
weg|plein|gracht|kade|singel|dreef|steeg|rua|travessa|largo|praça|estrada|alameda|ulica|ul.|
ul|aleja|al.|plac|os.|osiedle|gatan|vägen|gade|vej|stræde|veien|gata|katu|tie|utca|út|tér|
strada|bulevardul|calea|ulice|náměstí|třída|cesta|sokak|caddesi|cad.|mahallesi|ул.|улица|
проспект|пр.|no.|nr.|n°|nº|num|numero|número
"""

# First words and word endings that place names commonly carry (in many languages).
CITY_PREFIXES = """
north|south|east|west|new|old|lake|port|mount|mt|fort|saint|st.|st|sainte|ste|san|santa|são|
bad|sankt|nieder|ober|unter|alt|neu|groß|klein|villa|vila|porto|puerto|la|le|les|el|los|las|
"""
CITY_SUFFIXES = """
ville|town|ton|land|berg|burg|burgh|borough|boro|bury|view|mouth|stad|furt|chester|haven|side|
shire|field|ford|wood|dale|hampton|heim|hausen|ingen|dorf|stadt|feld|bach|brück|see|bourg|
polis|grad|ów|owo|ice|ávila|port|fort|city|sur-mer|les-bains|vík|by|köping|holm|rup|strup|
lev|havn|um|em|ach|au|ow|itz|witz|ing|ham|wick|wich|ley|stead|mere|gate|well|
"""

EXTRA_COUNTRY_NAMES = """
usa|u.s.a.|u.s.|us|united states|united states of america|america|uk|u.k.|united kingdom|
great britain|britain|england|scotland|wales|northern ireland|deutschland|germany|allemagne|
alemania|germania|duitsland|alemanha|niemcy|france|frankreich|francia|frankrijk|frança|
francja|españa|spain|spanien|espagne|spagna|spanje|espanha|hiszpania|italia|italy|italien|
italie|itália|włochy|nederland|netherlands|the netherlands|holland|niederlande|pays-bas|
países bajos|paesi bassi|holanda|holandia|belgië|belgique|belgium|belgien|österreich|austria|
autriche|schweiz|suisse|svizzera|switzerland|suiza|polska|poland|polen|pologne|portugal|
brasil|brazil|brasilien|brésil|россия|russia|russland|türkiye|turkey|türkei|turquie|
sverige|sweden|schweden|danmark|denmark|dänemark|norge|norway|norwegen|suomi|finland|
finnland|éire|ireland|irland|česko|czechia|czech republic|tschechien|magyarország|hungary|
ungarn|românia|romania|rumänien|ελλάδα|greece|griechenland|grèce|canada|kanada|méxico|mexico|
mexiko|argentina|chile|colombia|peru|perú|australia|australien|new zealand|japan|japon|
japón|giappone|china|chine|cina|india|indien|inde|south korea|korea|corée du sud|
"""


def fold(text: str) -> str:
    """Lower-case and strip accents (the same folding the engine applies to values)."""
    text = text.strip().lower()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _split(block: str) -> set[str]:
    return {fold(w) for w in block.replace("\n", "").split("|") if w.strip()}


def _take(seq: object, n: int) -> list[str]:
    if isinstance(seq, dict):
        ranked = sorted(seq.items(), key=lambda kv: -float(kv[1]))
        items = [k for k, _ in ranked]
    else:
        items = list(seq or ())
        if len(items) > n:  # spread evenly over an alphabetical list rather than take its head
            step = len(items) / n
            items = [items[int(i * step)] for i in range(n)]
    return [str(x) for x in items[:n]]


def _provider(kind: str, locale: str) -> object | None:
    try:
        return importlib.import_module(f"faker.providers.{kind}.{locale}").Provider
    except ImportError:
        return None


def build() -> dict[str, list[str]]:
    first: set[str] = set()
    last: set[str] = set()
    cities: set[str] = _split(WORLD_CITIES)
    countries: set[str] = _split(EXTRA_COUNTRY_NAMES)
    street: set[str] = _split(STREET_WORDS)
    for loc in LOCALES:
        person = _provider("person", loc)
        if person is not None:
            for attr in ("first_names", "first_names_male", "first_names_female"):
                first.update(fold(x) for x in _take(getattr(person, attr, ()), NAMES_PER_LOCALE))
            for attr in (
                "last_names",
                "last_names_male",
                "last_names_female",
                "male_last_names",
                "female_last_names",
                "unisex_last_names",
            ):
                last.update(fold(x) for x in _take(getattr(person, attr, ()), NAMES_PER_LOCALE))
        address = _provider("address", loc)
        if address is not None:
            cities.update(fold(x) for x in _take(getattr(address, "cities", ()), CITIES_PER_LOCALE))
            countries.update(fold(x) for x in getattr(address, "countries", ()) or ())
            for attr in ("street_suffixes", "street_prefixes", "street_suffixes_long"):
                for word in getattr(address, attr, ()) or ():
                    w = fold(str(word)).strip()
                    if 2 <= len(w) <= 14 and " " not in w:
                        street.add(w)
    base = importlib.import_module("faker.providers.address").Provider
    codes2 = {c.lower() for c in base.alpha_2_country_codes}
    codes3 = {c.lower() for c in base.alpha_3_country_codes}
    try:
        import phonenumbers

        codes2 |= {r.lower() for r in phonenumbers.SUPPORTED_REGIONS if len(r) == 2}
    except ImportError:  # pragma: no cover - phonenumbers is a dependency of the engine
        pass
    codes2.discard("001")
    first = {w for w in first if len(w) >= 2}
    last = {w for w in last if len(w) >= 2}
    return {
        "FIRST_NAMES": sorted(first),
        "LAST_NAMES": sorted(last),
        "CITIES": sorted(cities),
        "COUNTRY_NAMES": sorted(countries),
        "COUNTRY_CODES_2": sorted(codes2),
        "COUNTRY_CODES_3": sorted(codes3),
        "GENDER_TERMS": sorted(_split(GENDER_TERMS)),
        "GENDER_WEAK_TERMS": sorted(_split(GENDER_WEAK_TERMS)),
        "STREET_WORDS": sorted(street),
        "CITY_PREFIXES": sorted(_split(CITY_PREFIXES)),
        "CITY_SUFFIXES": sorted(_split(CITY_SUFFIXES)),
    }


def main() -> None:
    data = build()
    out = Path(__file__).with_name("_dictdata.py")
    lines = [
        '"""Built-in dictionaries (generated by _build_dictdata.py; do not edit by hand)."""',
        "",
        "# ruff: noqa: E501",
        "",
    ]
    for key, words in data.items():
        body = pprint.pformat(tuple(words), width=100, compact=True)
        lines.append(f"{key} = {body}")
        lines.append("")
    out.write_text("\n".join(lines), encoding="utf-8")
    print({k: len(v) for k, v in data.items()}, out.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
