"""rca.train"""
