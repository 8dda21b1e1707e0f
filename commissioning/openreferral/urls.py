from django.urls import path, re_path

from commissioning.openreferral import views

app_name = "openreferral"

urlpatterns = [
    path("", views.index, name="index"),
    path("openapi.json", views.openapi_document, name="openapi"),
    path("services", views.services, name="services"),
    path("services/<str:identifier>", views.service, name="service"),
    path("service_at_locations", views.service_at_locations, name="service_at_locations"),
    path("service_at_locations/<str:identifier>", views.service_at_location, name="service_at_location"),
    path("taxonomies", views.taxonomy_list, name="taxonomies"),
    path("taxonomies/<str:identifier>", views.taxonomy, name="taxonomy"),
    path("taxonomy_terms", views.taxonomy_term_list, name="taxonomy_terms"),
    path("taxonomy_terms/<str:identifier>", views.taxonomy_term, name="taxonomy_term"),
    # Anything else under the feed: a JSON 404 that any origin may read (unnamed: not a page of its own).
    re_path(r"^(?P<rest>.+)$", views.not_found),
]
