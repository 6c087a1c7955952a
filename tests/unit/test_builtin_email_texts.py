"""The built-in email texts (follow-up and check-in, ja and en) are the same, byte for byte, as
they were when they lived in Python constants: the sources and what they render to. The digests
were taken from main before the texts moved to templates/emails/."""
import hashlib

import pytest

from webapp.followups.templating import DEFAULTS, SAMPLE, render
from webapp.relationships.checkin import CHECKIN

#: (source, rendered with SAMPLE and with nearly everything empty), sha256 as main had them
PINNED = {
    ("followup", "ja"): ("fda42b40d377b5514ff788739d7359f7bcc21a9ff29fbbeac9411f308b9f6f08",
                         "b9f03d8f7892f803791680bd284e6d43ecd8f1299315295d5b8cf43473cac3f7"),
    ("followup", "en"): ("b0e2918f3508e492afaf10a6789b556723edd0152a67d7b0c2d1e257706de82c",
                         "3fb7bb7eb3e495f374ef1f5ec4fc2e4ac06d6214ea8b9eff6acd708c862bf3fe"),
    ("checkin", "ja"): ("cafec222425ba4f6758548c444091b878a61679d225a7373124e3deab5e4fddb",
                        "11628a3bacae07f189f6770bbd6af31108352b5401c5931e3a9dac40ce3d17b9"),
    ("checkin", "en"): ("58a602477155d8e83d18e60f60b050200f0c5211bcd2653fb7cf3ed12e0304a5",
                        "5b13d40905cdb4e99c5384cf9d438902366e4f0059abfbbe1240e0388f14343a"),
}


def _sha(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


@pytest.mark.parametrize(("name", "locale"), sorted(PINNED))
def test_builtin_email_texts_render_exactly_as_before(name, locale):
    texts = {"followup": DEFAULTS, "checkin": CHECKIN}[name][locale]
    sparse = {key: "" for key in SAMPLE} | {"contact_name": "A", "my_name": "B"}
    full = render(texts["subject"], texts["body"], SAMPLE)
    empty = render(texts["subject"], texts["body"], sparse)
    assert (_sha(texts["subject"], texts["body"]), _sha(*full, *empty)) == PINNED[(name, locale)]
