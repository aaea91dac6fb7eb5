"""AWS access: sessions and clients made the AWS CLI's way, a read-only allowlist, API resolution."""
