"""``sapphire backtest``: run a strategy over the catalog, save it, report it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from sapphire.core.errors import SapphireError

if TYPE_CHECKING:
    from sapphire.backtest.runner import RunFile

backtest_app = typer.Typer(help="Backtests: run strategies over the catalog.",
                           no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


@backtest_app.command("run")
def run(
    config: Annotated[Path, typer.Option("--config", help="Run file (TOML).", exists=True,
                                         dir_okay=False)],
    catalog: Annotated[Path, typer.Option("--catalog", "-c", help="Catalog folder.",
                                          envvar="SAPPHIRE_CATALOG")] = Path("catalog"),
    strategy: Annotated[str | None, typer.Option(
        help="Strategy as module:Class (overrides the run file).")] = None,
) -> None:
    """Run a backtest, print its summary, save it beside the catalog with an HTML report."""
    try:
        run_and_report(catalog, config, strategy)
    except SapphireError as exc:
        errors.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=1) from None


def run_and_report(catalog_path: Path, config: Path | RunFile, strategy: str | None) -> Path:
    """Run ``config`` over ``catalog_path``; print the summary; return the report path."""
    from sapphire.backtest.runner import load_run_file, run_from_catalog, save_run
    from sapphire.backtest.summary import print_summary
    from sapphire.data.catalog import Catalog

    run_file = load_run_file(config) if isinstance(config, Path) else config
    catalog = Catalog(catalog_path)
    with console.status("running the backtest"):
        result = run_from_catalog(catalog, run_file, strategy)
    print_summary(result, console)
    folder, report = save_run(result, catalog_path)
    console.print(f"\nsaved run [bold]{result.run_id}[/] in {folder}")
    console.print(f"report: [bold]{report}[/]")
    if result.errors:
        errors.print(f"[bold red]the run stopped early:[/] {result.errors[0]}")
        raise typer.Exit(code=1)
    return report
