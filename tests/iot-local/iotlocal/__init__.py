"""iot-local: a local AWS IoT control-plane endpoint for the tests.

Test infrastructure only; nothing in the product imports it.
"""
