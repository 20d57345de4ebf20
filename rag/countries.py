"""Names of countries, for questions that ask "Which country ...?" or "Which European nation ...?".

An answer to such a question must name a country, not any place: "Michigan voters ... voted to enshrine
abortion rights" names a state (`rag.question.gives_kind`). `COUNTRIES` holds the members of the United
Nations, a few other states and territories, former states that news and history still name, and the short
forms reports use, lower case. A people's adjective counts too ("the French parliament"): `DEMONYMS` holds
those not read as their country's name by `rag.text.in_words` ("Italian" is read as "Italy" there, "French"
is not read as "France").
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
    "american americans french spanish dutch swiss polish irish welsh scottish scots english danish swedish "
    "finnish filipino emirati kiwi british".split()
)
