"""Reference data of the simulated school: qualifications, keuzedelen and towns.

The qualifications look like entries of the mbo qualification structure (crebo code,
name, level 1-4, nominal years); the keuzedelen like entries of the keuzedelen register
(``K`` and four digits, a name, a study load in SBU). They are plausible, not a copy of
the registers: the simulator must not pretend to be an authority on codes.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["KEUZEDELEN", "MODULE_TOPICS", "QUALIFICATIONS", "TOWNS", "Keuzedeel", "Qualification"]


class Qualification(NamedTuple):
    crebo: str
    name: str
    level: int
    years: int


class Keuzedeel(NamedTuple):
    code: str
    name: str
    sbu: int


QUALIFICATIONS: tuple[Qualification, ...] = (
    Qualification("25604", "Software developer", 4, 3),
    Qualification("25605", "Allround medewerker IT systems and devices", 3, 3),
    Qualification("25606", "Expert IT systems and devices", 4, 3),
    Qualification("25607", "Medewerker ICT support", 2, 2),
    Qualification("25651", "Verzorgende-IG", 3, 3),
    Qualification("25655", "Mbo-verpleegkundige", 4, 4),
    Qualification("25657", "Helpende zorg en welzijn", 2, 2),
    Qualification("25658", "Maatschappelijke zorg", 4, 3),
    Qualification("25180", "Kok", 2, 2),
    Qualification("25181", "Zelfstandig werkend kok", 3, 3),
    Qualification("25182", "Gespecialiseerd kok", 4, 3),
    Qualification("25183", "Medewerker bediening", 2, 2),
    Qualification("25184", "Gastheer/gastvrouw", 3, 3),
    Qualification("25498", "Eerste monteur elektrotechnische installaties", 3, 3),
    Qualification("25499", "Monteur elektrotechnische installaties", 2, 2),
    Qualification("25500", "Technicus engineering", 4, 4),
    Qualification("25501", "Eerste monteur mechatronica", 3, 3),
    Qualification("25169", "Logistiek medewerker", 2, 2),
    Qualification("25170", "Logistiek teamleider", 3, 3),
    Qualification("25171", "Manager transport en logistiek", 4, 3),
    Qualification("25486", "Pedagogisch medewerker kinderopvang", 3, 3),
    Qualification("25487", "Onderwijsassistent", 4, 3),
    Qualification("25488", "Sociaal werker", 4, 3),
    Qualification("25489", "Persoonlijk begeleider specifieke doelgroepen", 4, 3),
    Qualification("25726", "Entree - assistent logistiek", 1, 1),
    Qualification("25727", "Entree - assistent bouwen, wonen en onderhoud", 1, 1),
    Qualification("25728", "Entree - assistent dienstverlening en zorg", 1, 1),
    Qualification("25729", "Entree - assistent verkoop/retail", 1, 1),
    Qualification("25250", "Timmerman", 2, 2),
    Qualification("25251", "Allround timmerman", 3, 3),
    Qualification("25252", "Uitvoerder bouw/infra", 4, 3),
    Qualification("25253", "Metselaar", 2, 2),
    Qualification("25254", "Schilder", 2, 2),
    Qualification("25255", "Allround schilder", 3, 3),
    Qualification("25310", "Eerste autotechnicus", 3, 3),
    Qualification("25311", "Autotechnicus", 2, 2),
    Qualification("25312", "Technisch specialist personenauto's", 4, 4),
    Qualification("25313", "Bedrijfsautotechnicus", 2, 2),
    Qualification("25390", "Verkoopmedewerker", 2, 2),
    Qualification("25391", "Eerste verkoper", 3, 2),
    Qualification("25392", "Manager retail", 4, 3),
    Qualification("25393", "Ondernemer retail", 4, 3),
    Qualification("25410", "Office assistant", 2, 2),
    Qualification("25411", "Management assistant", 4, 3),
    Qualification("25412", "Financieel administratief medewerker", 3, 3),
    Qualification("25413", "Bedrijfsadministrateur", 4, 3),
    Qualification("25430", "Junior accountmanager", 4, 3),
    Qualification("25431", "Commercieel medewerker marketing en communicatie", 4, 3),
    Qualification("25460", "Medewerker sport en recreatie", 3, 3),
    Qualification("25461", "Coördinator sport-, bewegen en gezondheid", 4, 3),
    Qualification("25470", "Kapper", 2, 2),
    Qualification("25471", "Allround kapper", 3, 3),
    Qualification("25472", "Schoonheidsspecialist", 3, 3),
    Qualification("25520", "Doktersassistent", 4, 3),
    Qualification("25521", "Apothekersassistent", 4, 3),
    Qualification("25522", "Tandartsassistent", 4, 3),
    Qualification("25540", "Beveiliger", 2, 2),
    Qualification("25541", "Coördinator beveiliging", 3, 2),
    Qualification("25560", "Vakbekwaam medewerker teelt", 3, 3),
    Qualification("25561", "Dierverzorger", 2, 2),
    Qualification("25562", "Vakbekwaam hovenier", 3, 3),
    Qualification("25580", "Mediavormgever", 4, 4),
    Qualification("25581", "Allround DTP-er", 3, 3),
    Qualification("25582", "Podium- en evenemententechnicus", 4, 3),
    Qualification("25600", "Medewerker facilitaire dienstverlening", 2, 2),
    Qualification("25601", "Leidinggevende travel en hospitality", 4, 3),
)

KEUZEDELEN: tuple[Keuzedeel, ...] = (
    Keuzedeel("K0080", "Ondernemend gedrag", 240),
    Keuzedeel("K0022", "Engels B1", 240),
    Keuzedeel("K0072", "Nederlands 3F", 240),
    Keuzedeel("K0071", "Rekenen 3F", 240),
    Keuzedeel("K0125", "Voorbereiding hbo", 480),
    Keuzedeel("K0165", "Verdieping software", 480),
    Keuzedeel("K0211", "Duurzaamheid in de zorg", 240),
    Keuzedeel("K0254", "Ondernemerschap mbo", 480),
    Keuzedeel("K0301", "Internationalisering", 240),
    Keuzedeel("K0343", "Werken in de wijk", 240),
    Keuzedeel("K0372", "Slimme techniek in huis", 240),
    Keuzedeel("K0409", "Oriëntatie op ondernemerschap", 240),
    Keuzedeel("K0440", "Digitale vaardigheden basis", 240),
    Keuzedeel("K0512", "Cybersecurity", 480),
    Keuzedeel("K0566", "Burgerschap in de beroepscontext", 240),
    Keuzedeel("K0611", "Gastvrijheid en duurzaam koken", 240),
    Keuzedeel("K0687", "Elektrisch rijden", 480),
    Keuzedeel("K0731", "Zorgtechnologie", 240),
    Keuzedeel("K0803", "Voorbereiding Associate degree", 720),
    Keuzedeel("K0912", "Praktijkopleider", 240),
)

MODULE_TOPICS: tuple[str, ...] = (
    "Beroepspraktijkvorming", "Loopbaan en burgerschap", "Nederlands", "Rekenen", "Engels",
    "Vakkennis", "Praktijkopdracht", "Communicatie", "Veiligheid", "Projectwerk",
    "Examentraining", "Stage",
)

#: (town, street) of the school's teaching locations.
TOWNS: tuple[tuple[str, str], ...] = (
    ("Utrecht", "Vondellaan"), ("Amersfoort", "Stationsplein"), ("Zwolle", "Koggelaan"),
    ("Arnhem", "Kronenburgsingel"), ("Nijmegen", "Wolfskuil"), ("Deventer", "Handelskade"),
    ("Apeldoorn", "Laan van de Mensenrechten"), ("Ede", "Bovenbuurtweg"),
    ("Hilversum", "Larenseweg"), ("Almere", "Louis Armstrongweg"),
    ("Lelystad", "Agorabaan"), ("Harderwijk", "Stationslaan"),
)
