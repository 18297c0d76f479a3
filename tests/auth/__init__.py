"""Sign-in tests (a package so test_commands.py here and in tests/ui do not collide)."""
