import pytest

from tests.security.world import World, build_world


@pytest.fixture
def world(db, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path
    # As in production: privileged roles pass because the world gives them an authenticator.
    settings.MFA_REQUIRED_FOR_PRIVILEGED = True
    return build_world()
