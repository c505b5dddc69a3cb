"""The model catalog: model cards, Hub publishing, local cache installs and browsing."""
