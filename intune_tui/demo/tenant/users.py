"""The demo users: a column store of names, UPNs and departments."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from intune_tui.demo.identity import DEMO_DOMAIN
from intune_tui.demo.tenant.ids import guid_from, index_from_guid

FIRST_NAMES = (
    "Alice", "Bob", "Carmen", "Dmitri", "Elena", "Farid", "Grace", "Hiroshi", "Ingrid", "Jamal",
    "Katarzyna", "Liam", "Mei", "Nikolai", "Olivia", "Priya", "Quentin", "Rosa", "Sven", "Tariq",
    "Uma", "Victor", "Wen", "Ximena", "Yusuf", "Zoe", "Aaron", "Beatriz", "Chloé", "Diego",
    "Emma", "Fatima", "Gabriel", "Hannah", "Ibrahim", "Julia", "Kenji", "Lucía", "Mateo", "Noor",
    "Oscar", "Paula", "Rahul", "Sofia", "Thomas", "Ursula", "Valentina", "William", "Yara",
    "Zeynep", "Amara", "Björn", "Camille", "Daniel", "Eitan", "Freya", "Giulia", "Hugo", "Isla",
    "Jonas", "Kai", "Leila", "Marcus", "Nadia", "Omar", "Pedro", "Rhys", "Sara", "Tomás", "Ava",
)
LAST_NAMES = (
    "Smith", "Johnson", "Nguyen", "García", "Müller", "Kowalski", "Okafor", "Tanaka", "Rossi",
    "Andersson", "Dubois", "Haddad", "Kim", "Patel", "Silva", "Ivanova", "O'Brien", "Jensen",
    "Novak", "Cohen", "Schmidt", "Fernández", "Lopez", "Wright", "Chen", "Singh", "Yilmaz",
    "Martin", "Bernard", "Popescu", "Horvat", "Costa", "Lindqvist", "Murphy", "Kaplan", "Ali",
    "Mensah", "Sato", "Park", "Romero", "Baker", "Fischer", "Van Dijk", "Nowak", "Moreau",
    "Papadopoulos", "Eriksen", "Brown", "Wilson", "Taylor", "Thomas", "Moore", "Jackson", "White",
)
DEPARTMENTS = ("Sales", "Engineering", "Finance", "HR", "Operations", "Marketing", "Legal",
               "Support", "Warehouse", "Retail")
CITIES = ("Seattle", "London", "Munich", "Singapore", "São Paulo", "Toronto", "Sydney", "Paris")


def ascii_slug(text: str) -> str:
    replacements = str.maketrans({"é": "e", "í": "i", "á": "a", "ü": "u", "ö": "o", "ç": "c",
                                  "ã": "a", "ñ": "n", "'": "", " ": ""})
    return text.lower().translate(replacements)


class UserDirectory:
    """Entra users who own devices. Stored as parallel lists; JSON built on demand."""

    def __init__(self, seed: int, count: int, rng: random.Random) -> None:
        self.seed = seed
        self.given: list[str] = []
        self.surname: list[str] = []
        self.upn: list[str] = []
        self.department: list[str] = []
        self.city: list[str] = []
        taken: Counter[str] = Counter()
        for index in range(count):
            if index == 0:
                given, surname = "Alice", "Smith"
            else:
                given, surname = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            stem = f"{ascii_slug(given)}.{ascii_slug(surname)}"
            taken[stem] += 1
            suffix = "" if taken[stem] == 1 else str(taken[stem])
            self.given.append(given)
            self.surname.append(surname)
            self.upn.append(f"{stem}{suffix}@{DEMO_DOMAIN}")
            self.department.append(rng.choice(DEPARTMENTS))
            self.city.append(rng.choice(CITIES))

    @classmethod
    def from_columns(cls, seed: int, given: list[str], surname: list[str], upn: list[str],
                     department: list[str], city: list[str]) -> UserDirectory:
        """A directory of users drawn elsewhere (device_replay.replay_users)."""
        users = cls(seed, 0, random.Random())
        users.given, users.surname, users.upn = given, surname, upn
        users.department, users.city = department, city
        return users

    def __len__(self) -> int:
        return len(self.upn)

    def id_of(self, index: int) -> str:
        return guid_from(self.seed, 2, index)

    def display_name(self, index: int) -> str:
        return f"{self.given[index]} {self.surname[index]}"

    def index_of(self, user_id: str) -> int | None:
        index = index_from_guid(self.seed, 2, user_id)  # undone from the id, not looked up
        return index if index is not None and index < len(self) else None

    def to_json(self, index: int) -> dict[str, Any]:
        return {
            "@odata.type": "#microsoft.graph.user",
            "id": self.id_of(index),
            "displayName": self.display_name(index),
            "givenName": self.given[index],
            "surname": self.surname[index],
            "userPrincipalName": self.upn[index],
            "mail": self.upn[index],
            "jobTitle": None,
            "department": self.department[index],
            "officeLocation": self.city[index],
            "mobilePhone": None,
            "businessPhones": [],
            "preferredLanguage": "en-US",
        }
