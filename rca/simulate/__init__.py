"""rca.simulate"""
