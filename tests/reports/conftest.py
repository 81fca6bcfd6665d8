import datetime

import pytest
from django.utils import timezone

from tests.factories import pair_match


@pytest.fixture
def pair(programme, mentor, mentee):
    """The personas' active pair, published 60 days ago and started the day after."""
    now = timezone.now()
    return pair_match(
        programme,
        mentor,
        mentee,
        published_at=now - datetime.timedelta(days=60),
        started_at=now - datetime.timedelta(days=59),
    )
