from django.urls import path

from playground.presets import views

app_name = "presets"

urlpatterns = [
    path("presets/", views.preset_list, name="list"),
    path("presets/new/", views.preset_create, name="create"),
    path("presets/settings/", views.settings_fields, name="settings"),
    path("presets/<id:pk>/edit/", views.preset_edit, name="edit"),
    path("presets/<id:pk>/delete/", views.preset_delete, name="delete"),
    path("presets/<id:pk>/duplicate/", views.preset_duplicate, name="duplicate"),
    path("presets/apply/chat/", views.apply_to_chat, name="apply-chat"),
    path("presets/apply/compare/", views.apply_to_comparison, name="apply-compare"),
    path("presets/save-from-chat/", views.save_from_chat, name="save-from-chat"),
]
