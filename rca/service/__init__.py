"""rca.service"""
