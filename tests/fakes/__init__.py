"""In-memory fakes of AWS behaviour that moto does not model, each documented by the AWS
page it follows and unit-tested against that page (tests/unit/test_fake_*.py)."""
