from django.contrib import admin

from playground.chat.models import Conversation, Message, ModelPrice, Run


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "model", "updated_at"]
    list_select_related = ["owner"]
    search_fields = ["title"]


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ["id", "model", "status", "output_tokens", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["message"]


admin.site.register(Message)


@admin.register(ModelPrice)
class ModelPriceAdmin(admin.ModelAdmin):
    """Prices per model: answers and conversations show their cost once a price is set."""

    list_display = [
        "model", "input_per_million", "output_per_million", "cached_input_per_million",
        "reasoning_per_million", "currency",
    ]  # fmt: skip
    search_fields = ["model"]
