"""rca.detect"""
