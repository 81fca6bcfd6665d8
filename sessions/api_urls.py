from django.urls import path

from sessions import api

urlpatterns = [
    path("meetings/", api.MeetingListApi.as_view(), name="api-meeting-list"),
    path("meetings/feed/", api.FeedTokenApi.as_view(), name="api-meeting-feed"),
    path("meetings/feed/regenerate/", api.FeedRegenerateApi.as_view(), name="api-meeting-feed-regenerate"),
    path("meetings/action-items/", api.ActionItemListApi.as_view(), name="api-action-item-list"),
    path(
        "meetings/action-items/<int:pk>/complete/",
        api.ActionItemCompleteApi.as_view(),
        name="api-action-item-complete",
    ),
    path("meetings/action-items/<int:pk>/", api.ActionItemDetailApi.as_view(), name="api-action-item-detail"),
    path("meetings/action-items/<int:pk>/reopen/", api.ActionItemReopenApi.as_view(), name="api-action-item-reopen"),
    path("matches/<int:pk>/timeline/", api.MatchTimelineApi.as_view(), name="api-match-timeline"),
    path("meetings/<int:pk>/", api.MeetingDetailApi.as_view(), name="api-meeting-detail"),
    path("meetings/<int:pk>/reschedule/", api.MeetingRescheduleApi.as_view(), name="api-meeting-reschedule"),
    path("meetings/<int:pk>/cancel/", api.MeetingCancelApi.as_view(), name="api-meeting-cancel"),
    path("meetings/<int:pk>/log/", api.MeetingLogApi.as_view(), name="api-meeting-log"),
    path("meetings/<int:pk>/notes/", api.MeetingNotesApi.as_view(), name="api-meeting-notes"),
]
