"""The demo organisation for trying the product (``flask seed-demo``)."""
