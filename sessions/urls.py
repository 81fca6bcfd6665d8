from django.urls import path

from sessions import views, views_timeline

urlpatterns = [
    path("matches/<int:pk>/meetings/new/", views.meeting_create, name="meeting-create"),
    path("matches/<int:pk>/action-items/new/", views.action_item_add, name="action-item-add"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting-detail"),
    path("meetings/<int:pk>/reschedule/", views.meeting_reschedule, name="meeting-reschedule"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel, name="meeting-cancel"),
    path("meetings/<int:pk>/log/", views.meeting_log, name="meeting-log"),
    path("meetings/<int:pk>/notes/", views.meeting_note_add, name="meeting-note-add"),
    path("meetings/<int:pk>/invite.ics", views.meeting_ics, name="meeting-ics"),
    path("action-items/<int:pk>/done/", views.action_item_done, name="action-item-done"),
    path("action-items/<int:pk>/edit/", views.action_item_edit, name="action-item-edit"),
    path("action-items/<int:pk>/reopen/", views.action_item_reopen, name="action-item-reopen"),
    path("matches/<int:pk>/timeline/", views_timeline.match_timeline, name="match-timeline"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
    path("account/calendar/", views.calendar_settings, name="calendar-settings"),
    path("account/calendar/regenerate/", views.calendar_regenerate, name="calendar-regenerate"),
    path("account/calendar/revoke/", views.calendar_revoke, name="calendar-revoke"),
]
