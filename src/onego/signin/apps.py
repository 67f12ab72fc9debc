from django.apps import AppConfig


class SigninConfig(AppConfig):
    name = "onego.signin"
    label = "signin"
    verbose_name = "申请人登录与草稿 Applicant sign-in"
