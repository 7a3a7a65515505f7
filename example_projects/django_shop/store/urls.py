from django.urls import path

from store import views

app_name = "store"

urlpatterns = [
    path("", views.product, name="home"),
    path("products/<str:sku>", views.product, name="product"),
    path("checkout/<str:sku>", views.checkout, name="checkout"),
    path("purchase", views.purchase, name="purchase"),
    path("thanks/<str:sku>", views.thanks, name="thanks"),
    path("login", views.login, name="login"),
    path("assets/statsig-js-client.min.js", views.js_client, name="js_client"),
]
