from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "profiles"
    verbose_name = "People and profiles"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from profiles.middleware import start_activity_clock

        user_logged_in.connect(start_activity_clock, dispatch_uid="profiles.start_activity_clock")
