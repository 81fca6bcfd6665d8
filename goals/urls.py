from django.urls import path

from goals.views import coordinator, goals

urlpatterns = [
    path("goals/", goals.goal_list, name="goal-list"),
    path("goals/hints/", goals.goal_hints, name="goal-hints"),
    path("goals/<int:pk>/", goals.goal_detail, name="goal-detail"),
    path("goals/<int:pk>/edit/", goals.goal_edit, name="goal-edit"),
    path("goals/<int:pk>/status/", goals.goal_status, name="goal-status"),
    path("goals/<int:pk>/milestones/", goals.milestone_add, name="milestone-add"),
    path("goals/<int:pk>/milestones/<int:milestone_pk>/done/", goals.milestone_done, name="milestone-done"),
    path("goals/<int:pk>/milestones/<int:milestone_pk>/edit/", goals.milestone_edit, name="milestone-edit"),
    path("goals/<int:pk>/milestones/<int:milestone_pk>/delete/", goals.milestone_delete, name="milestone-delete"),
    path("goals/<int:pk>/updates/", goals.update_add, name="goal-update-add"),
    path("goals/<int:pk>/feedback/", goals.feedback_add, name="goal-feedback-add"),
    path("matches/<int:pk>/goals/", goals.match_goals, name="match-goals"),
    path("matches/<int:pk>/goals/new/", goals.goal_create, name="goal-create"),
    path("matches/<int:pk>/goals/adopt/<int:template_pk>/", goals.goal_adopt, name="goal-adopt"),
    path("programmes/<slug:slug>/goal-templates/", coordinator.goal_template_list, name="goal-template-list"),
    path("programmes/<slug:slug>/goal-templates/new/", coordinator.goal_template_create, name="goal-template-create"),
    path(
        "programmes/<slug:slug>/goal-templates/<int:pk>/edit/",
        coordinator.goal_template_edit,
        name="goal-template-edit",
    ),
    path(
        "programmes/<slug:slug>/goal-templates/<int:pk>/move/",
        coordinator.goal_template_move,
        name="goal-template-move",
    ),
    path(
        "programmes/<slug:slug>/goal-templates/<int:pk>/active/",
        coordinator.goal_template_active,
        name="goal-template-active",
    ),
    path(
        "programmes/<slug:slug>/goal-templates/<int:pk>/delete/",
        coordinator.goal_template_delete,
        name="goal-template-delete",
    ),
    path("programmes/<slug:slug>/goal-settings/", coordinator.goal_settings, name="goal-settings"),
]
