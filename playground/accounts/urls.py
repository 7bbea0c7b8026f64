from django.contrib.auth import views as auth_views
from django.urls import path

from playground.accounts import views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
    path("", views.account, name="account"),
    path("theme/", views.theme_save, name="theme-save"),
    path("key/", views.account_key_save, name="account-key-save"),
    path("key/remove/", views.account_key_remove, name="account-key-remove"),
    path("key/test/", views.account_key_test, name="account-key-test"),
    path("invite/<str:token>/", views.invitation, name="invitation"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/new/", views.invitation_create, name="invitation-create"),
    path("invitations/<id:pk>/revoke/", views.invitation_revoke, name="invitation-revoke"),
]
