"""What the assets, checks and sensors are handed instead of reading settings themselves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dagster import ConfigurableResource, Failure

from dagster_project import settings
from dagster_project.transform.scoring_config import ScoringConfigError, load_scoring_config


class DataFolder(ConfigurableResource):
    """The data folder a run reads and writes (landing/, raw/, the warehouse, published/).

    Left empty, it is ABM_DATA_DIR (default data/ in the repository) when the run starts."""

    path: str = ""

    @property
    def paths(self) -> settings.Paths:
        return settings.Paths(Path(self.path).expanduser().resolve(), settings.engine()) if self.path else settings.paths()


class ScoringRules(ConfigurableResource):
    """config/scoring.yml (or ABM_SCORING_CONFIG), validated before anything uses it."""

    path: str = ""

    @property
    def file(self) -> Path:
        return Path(self.path) if self.path else settings.scoring_config_path()

    def load(self) -> dict[str, Any]:
        try:
            return load_scoring_config(self.file)
        except ScoringConfigError as error:
            raise Failure(description=f"Invalid scoring rules, nothing was run: {error}", allow_retries=False) from error
