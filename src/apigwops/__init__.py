"""apigwops: diagnose, price and load-test APIs on Amazon API Gateway."""

__version__ = "0.1.0"
