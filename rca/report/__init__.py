"""rca.report"""
