from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from profiles import services
from profiles.models import Profile, Skill, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_hr_admin", "is_staff", "is_active"]
    list_filter = ["is_hr_admin", "is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal"), {"fields": ["first_name", "last_name", "timezone", "timezone_confirmed", "language"]}),
        (_("Roles"), {"fields": ["is_active", "is_hr_admin", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm, change: bool) -> None:
        # The HR admin role changes only through its service, which audits the change.
        wanted = obj.is_hr_admin
        if change and "is_hr_admin" in form.changed_data:
            obj.is_hr_admin = form.initial.get("is_hr_admin", False)
        super().save_model(request, obj, form, change)
        if wanted != obj.is_hr_admin:
            services.set_hr_admin(user=obj, value=wanted, by=request.user, request=request)


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "job_title", "department", "location", "capacity", "is_paused"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "department"]
    list_select_related = ["user"]
    raw_id_fields = ["user", "manager"]
    filter_horizontal = ["skills_offered", "skills_wanted"]


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    search_fields = ["name"]
