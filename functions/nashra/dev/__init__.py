"""`nashra dev`: the whole pipeline on one machine, with moto standing in for AWS.

stack.py creates what template.yaml defines on a moto server, poller.py feeds queue
batches to the real Lambda handler, cdn.py serves the feeds bucket the way CloudFront
would, watcher.py uploads every saved file, commands.py is the CLI.
"""
