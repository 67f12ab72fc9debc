from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "onego.feedback"
    label = "feedback"
    verbose_name = "好差评 Feedback"
