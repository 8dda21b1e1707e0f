"""Names and the words people use: the lists the generated households draw their people and answers from."""

NAMES = {
    "scottish": {
        "female": (
            "Morag", "Ailsa", "Catriona", "Eilidh", "Fiona", "Isla", "Kirsty", "Mhairi", "Rhona", "Shona",
            "Iona", "Lorna", "Elspeth", "Agnes", "Jean", "Heather", "Kirsteen", "Seonaid", "Peigi", "Marion",
        ),
        "male": (
            "Alasdair", "Angus", "Calum", "Dougal", "Ewan", "Fraser", "Hamish", "Iain", "Lachlan", "Murdo",
            "Ruaridh", "Struan", "Finlay", "Duncan", "Gregor", "Niall", "Donald", "Euan", "Archie", "Torquil",
        ),
        "last": (
            "MacLeod", "MacDonald", "Campbell", "Mackay", "Mackenzie", "MacLean", "Stewart", "Robertson",
            "Fraser", "Cameron", "Grant", "Munro", "Ross", "MacInnes", "MacNeil", "Morrison", "Paterson",
            "Sinclair", "Gillies", "Buchanan", "Ferguson", "Maclennan", "Beaton", "Kerr", "MacAulay", "Nicolson",
        ),
    },
    "english": {
        "female": (
            "Sarah", "Emma", "Claire", "Rachel", "Joanne", "Helen", "Louise", "Kerry", "Gemma", "Hannah",
            "Amy", "Priya", "Aisha", "Zoe", "Lucy", "Jade", "Samantha", "Margaret", "Patricia", "Chloe",
        ),
        "male": (
            "James", "David", "Mark", "Paul", "Lee", "Craig", "Daniel", "Tom", "Ben", "Jack",
            "Oliver", "Harry", "Ravi", "Kwame", "Darren", "Stephen", "Gary", "Arjun", "Tomasz", "Leon",
        ),
        "last": (
            "Thompson", "Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Walker", "Wright", "Robinson",
            "Hughes", "Green", "Hall", "Wood", "Clarke", "Patel", "Khan", "Okafor", "Ahmed", "Turner",
            "Hill", "Cooper", "Ward", "Baker", "Harris", "Mensah", "Kowalski",
        ),
    },
}  # fmt: skip

CHILD_CONDITIONS = (
    "Autism",
    "Autism and ADHD",
    "Cerebral palsy",
    "Down's syndrome",
    "Global developmental delay",
    "Epilepsy",
    "Complex health needs; fed by tube",
    "Learning disability",
    "Muscular dystrophy",
)
ADULT_CHILD_CONDITIONS = (
    "Learning disability and epilepsy",
    "Autism and a learning disability",
    "Cerebral palsy",
    "Down's syndrome",
    "Acquired brain injury",
    "Schizophrenia",
)
PARTNER_CONDITIONS = (
    "Dementia",
    "Stroke",
    "Multiple sclerosis",
    "Parkinson's disease",
    "Motor neurone disease",
    "Heart failure",
    "Severe depression",
    "Cancer; receiving chemotherapy",
)
OLDER_PARENT_CONDITIONS = (
    "Alzheimer's disease",
    "Vascular dementia",
    "Frailty and falls",
    "Stroke",
    "Sight loss",
    "COPD",
    "Parkinson's disease",
)
YOUNG_CARER_PARENT_CONDITIONS = (
    "Multiple sclerosis",
    "Bipolar disorder",
    "Chronic pain",
    "Alcohol dependency",
    "ME/chronic fatigue syndrome",
)
COMMUNICATION_NEEDS = (
    "",
    "",
    "Uses Makaton signs",
    "Non-verbal; uses picture cards (PECS)",
    "Hard of hearing: face them and speak clearly",
    "Needs time to answer; short questions help",
    "Uses a communication app on a tablet",
    "BSL user",
    "Easily confused later in the day",
)
WHAT_MATTERS = (
    "Swimming on a Saturday morning",
    "Seeing the grandchildren",
    "Routine, and knowing who is coming",
    "Getting out into the garden",
    "Music, especially live bands",
    "Football with the cousins",
    "The dog, and walks with the dog",
    "Church on a Sunday",
    "Trains and the timetable",
    "Their own room and their own things",
    "Being outdoors, whatever the weather",
)
BREAK_MEANINGS = (
    "A full night's sleep.",
    "Time to see my friends without watching the clock.",
    "Getting back to my walking group.",
    "An afternoon to myself once a week.",
    "A weekend away with my partner.",
    "Time to study for my exams.",
    "Going to my own appointments without arranging cover.",
    "Time with my other children.",
    "Not feeling guilty about being tired.",
    "Being able to say yes to a night out.",
)
PARTNERSHIP_GAELIC = {"glenmorven": "Prefers to speak Gaelic"}
