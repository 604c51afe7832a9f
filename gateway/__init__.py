"""mbo-gateway: one canonical model between the koppelvlakken of Dutch mbo schools."""

__version__ = "0.1.0"
__all__ = ["__version__"]
