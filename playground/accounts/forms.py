from django.contrib.auth.forms import UserCreationForm


class SignupForm(UserCreationForm):
    usable_password = None  # sign-up always sets a password
