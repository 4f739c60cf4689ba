"""emh: cited answers about extramedullary hematopoiesis from an offline store."""

__version__ = "0.1.0"
