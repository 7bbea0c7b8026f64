from django.contrib import admin

from playground.teams.models import Membership, Team


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "team"
    extra = 0
    raw_id_fields = ["user", "added_by"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "created_by", "created_at"]
    list_select_related = ["created_by"]
    search_fields = ["name"]
    raw_id_fields = ["created_by"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["team", "user", "role", "added_by", "created_at"]
    list_filter = ["role"]
    list_select_related = ["team", "user", "added_by"]
    search_fields = ["team__name", "user__username"]
    raw_id_fields = ["team", "user", "added_by"]
