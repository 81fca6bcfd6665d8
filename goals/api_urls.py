from django.urls import path

from goals import api

urlpatterns = [
    path("goals/", api.GoalListApi.as_view(), name="api-goal-list"),
    path("goals/<int:pk>/", api.GoalDetailApi.as_view(), name="api-goal-detail"),
    path("goals/<int:pk>/status/", api.GoalStatusApi.as_view(), name="api-goal-status"),
    path("goals/<int:pk>/milestones/", api.GoalMilestoneListApi.as_view(), name="api-goal-milestones"),
    path("goals/<int:pk>/updates/", api.GoalUpdateListApi.as_view(), name="api-goal-updates"),
    path("goals/<int:pk>/feedback/", api.GoalFeedbackListApi.as_view(), name="api-goal-feedback"),
    path("goals/milestones/<int:pk>/", api.MilestoneDetailApi.as_view(), name="api-milestone-detail"),
    path("goals/milestones/<int:pk>/done/", api.MilestoneDoneApi.as_view(), name="api-milestone-done"),
    path("goal-templates/<int:pk>/", api.GoalTemplateDetailApi.as_view(), name="api-goal-template-detail"),
    path("programmes/<slug:slug>/goal-templates/", api.GoalTemplateListApi.as_view(), name="api-goal-template-list"),
    path(
        "programmes/<slug:slug>/goal-templates/reorder/",
        api.GoalTemplateReorderApi.as_view(),
        name="api-goal-template-reorder",
    ),
    path("programmes/<slug:slug>/goal-settings/", api.GoalSettingsApi.as_view(), name="api-goal-settings"),
    path("matches/<int:pk>/goals/adopt/", api.GoalAdoptApi.as_view(), name="api-goal-adopt"),
]
