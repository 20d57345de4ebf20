"""Names of countries, for questions that ask "Which country ...?" or "Which European nation ...?".

An answer to such a question must name a country, not any place: "Michigan voters ... voted to enshrine
abortion rights" names a state (`rag.question.gives_kind`). `COUNTRIES` holds the members of the United
Nations, a few other states and territories, former states that news and history still name, and the short
forms reports use, lower case. A people's adjective counts too ("the French parliament", "Italian
voters"): `is_country_word` reads one word as a country's name or its people's adjective (or their plural),
made by the usual endings ("Italian", "Chinese", "Iraqi", "Peruvian") or listed in `DEMONYMS` where it is
irregular ("French", "Dutch"), and nothing else: "Indiana" is not "India", "Chadwick" not "Chad".
"""

from __future__ import annotations

_NAMES = """
afghanistan, albania, algeria, andorra, angola, antigua and barbuda, argentina, armenia, australia, austria,
azerbaijan, bahamas, bahrain, bangladesh, barbados, belarus, belgium, belize, benin, bhutan, bolivia,
bosnia and herzegovina, bosnia, botswana, brazil, brunei, bulgaria, burkina faso, burundi, cabo verde,
cape verde, cambodia, cameroon, canada, central african republic, chad, chile, china, colombia, comoros,
congo, costa rica, cote d'ivoire, côte d'ivoire, ivory coast, croatia, cuba, cyprus, czechia, czech republic,
denmark, djibouti, dominica, dominican republic, ecuador, egypt, el salvador, equatorial guinea, eritrea,
estonia, eswatini, swaziland, ethiopia, fiji, finland, france, gabon, gambia, georgia, germany, ghana,
greece, grenada, guatemala, guinea, guinea-bissau, guyana, haiti, honduras, hungary, iceland, india,
indonesia, iran, iraq, ireland, israel, italy, jamaica, japan, jordan, kazakhstan, kenya, kiribati, kuwait,
kyrgyzstan, laos, latvia, lebanon, lesotho, liberia, libya, liechtenstein, lithuania, luxembourg,
madagascar, malawi, malaysia, maldives, mali, malta, marshall islands, mauritania, mauritius, mexico,
micronesia, moldova, monaco, mongolia, montenegro, morocco, mozambique, myanmar, burma, namibia, nauru,
nepal, netherlands, holland, new zealand, nicaragua, niger, nigeria, north korea, north macedonia,
macedonia, norway, oman, pakistan, palau, palestine, panama, papua new guinea, paraguay, peru, philippines,
poland, portugal, qatar, romania, russia, rwanda, saint kitts and nevis, saint lucia,
saint vincent and the grenadines, samoa, san marino, sao tome and principe, saudi arabia, senegal, serbia,
seychelles, sierra leone, singapore, slovakia, slovenia, solomon islands, somalia, south africa,
south korea, korea, south sudan, spain, sri lanka, sudan, suriname, sweden, switzerland, syria, taiwan,
tajikistan, tanzania, thailand, timor-leste, east timor, togo, tonga, trinidad and tobago, tunisia, turkey,
türkiye, turkmenistan, tuvalu, uganda, ukraine, united arab emirates, uae, united kingdom, uk, britain,
great britain, england, scotland, wales, northern ireland, united states, united states of america, us,
u.s., usa, u.s.a., u.k., america, uruguay, uzbekistan, vanuatu, vatican city, vatican, venezuela, vietnam,
yemen, zambia, zimbabwe, kosovo, greenland, puerto rico, hong kong, soviet union, ussr, yugoslavia, czechoslovakia,
east germany, west germany, prussia, persia, siam, ceylon, zaire, rhodesia
"""

COUNTRIES: frozenset[str] = frozenset(name.strip() for name in _NAMES.split(",") if name.strip())

DEMONYMS: frozenset[str] = frozenset(
    "american french spanish dutch swiss polish irish welsh scottish scots english danish swedish finnish filipino "
    "emirati kiwi british german turkish greek thai afghan argentine portuguese congolese norwegian icelandic "
    "kazakh uzbek tajik czech slovak cypriot laotian malagasy mozambican panamanian monegasque saudi korean "
    "belgian lankan salvadoran bosnian nigerien lebanese somali".split()
)
_ONE_WORD = frozenset(name for name in COUNTRIES if " " not in name and name.isalpha())
_ENDINGS = ("n", "an", "ian", "ean", "ese", "i", "ic", "vian")  # Russia-n, Chad-ian, Japan-ese, Iraq-i, Peru-vian
_AFTER_VOWEL = ("an", "ian", "ese", "n")  # Cub(a)-an, Ital(y)-ian, Chin(a)-ese, Hondura(s)-n


def _forms(name: str) -> set[str]:
    forms = {name, *(name + ending for ending in _ENDINGS)}
    if name[-1] in "aeiouys":
        forms.update(name[:-1] + ending for ending in _AFTER_VOWEL)
    return forms


# Not from short names ("us" would make "un") and never shorter than five letters ("Laon" is a French town).
_ADJECTIVES: frozenset[str] = (
    frozenset(form for name in _ONE_WORD if len(name) > 3 for form in _forms(name) if len(form) > 4) - _ONE_WORD
) | DEMONYMS


def is_country_word(word: str) -> bool:
    """`word` (lower case) is a one-word country's name, or its people's adjective or their plural ("Italians")."""
    return word in _ONE_WORD or word in _ADJECTIVES or (word.endswith("s") and word[:-1] in _ADJECTIVES)
