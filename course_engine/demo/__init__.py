"""The demo organisation for trying the product (``flask seed-demo``)."""


def init_app(app) -> None:
    """Register ``flask seed-demo``."""
    from .cli import seed_demo_command

    app.cli.add_command(seed_demo_command)
