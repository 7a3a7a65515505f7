"""The Kiln & Co storefront app."""
