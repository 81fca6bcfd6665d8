from django.contrib import admin

from goals.models import Feedback, Goal, GoalSettings, GoalTemplate, Milestone, MilestoneTemplate, ProgressUpdate


@admin.register(GoalSettings)
class GoalSettingsAdmin(admin.ModelAdmin):
    list_display = ["programme", "overdue_grace_days", "hr_sees_content"]
    raw_id_fields = ["programme"]


class MilestoneTemplateInline(admin.TabularInline):
    model = MilestoneTemplate
    extra = 0


@admin.register(GoalTemplate)
class GoalTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "programme", "target_week", "position", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["programme"]
    search_fields = ["title", "programme__name"]
    raw_id_fields = ["programme", "created_by"]
    inlines = [MilestoneTemplateInline]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    raw_id_fields = ["done_by"]


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    # Progress is derived by goals.services.goals.refresh_progress; an admin edit of the
    # milestones here does not recompute it until the next change through the app.
    list_display = ["title", "match", "status", "progress", "target_date"]
    list_filter = ["status"]
    list_select_related = ["match__mentor__user", "match__mentee__user"]
    search_fields = ["title"]
    raw_id_fields = ["match", "template", "created_by", "achieved_by", "skills"]
    readonly_fields = ["progress"]
    inlines = [MilestoneInline]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(admin.ModelAdmin):
    list_display = ["goal", "author", "progress", "created_at"]
    raw_id_fields = ["goal", "author"]


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["goal", "author", "update", "created_at"]
    raw_id_fields = ["goal", "update", "author"]
