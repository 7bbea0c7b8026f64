from django.urls import path

from playground.studio import views

app_name = "studio"

urlpatterns = [
    path("studio/", views.studio, name="studio"),
    path("studio/options/", views.studio_options, name="options"),
    path("studio/estimate/", views.studio_estimate, name="estimate"),
    path("studio/generate/", views.generation_create, name="create"),
    path("studio/g/<id:pk>/", views.generation_detail, name="generation"),
    path("studio/g/<id:pk>/card/", views.generation_card, name="card"),
    path("studio/g/<id:pk>/tile/", views.generation_tile, name="tile"),
    path("studio/g/<id:pk>/delete/", views.generation_delete, name="delete"),
    path("studio/g/<id:pk>/remix/", views.generation_remix, name="remix"),
    path("studio/files/<id:pk>/", views.output_file, name="output-file"),
    path("studio/files/<id:pk>/preview/", views.output_preview, name="output-preview"),
    path("studio/inputs/<id:pk>/", views.input_file, name="input-file"),
    path("gallery/", views.gallery, name="gallery"),
]
