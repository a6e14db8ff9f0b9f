"""Scrapy settings: polite by default, tightened per portal from its YAML."""

from __future__ import annotations

from typing import Any

from crawler.config import PortalConfig

USER_AGENT = "budgetqa/0.1 (预决算公开质量检查 budget disclosure checker; +https://github.com/budgetqa/budgetqa)"

BASE: dict[str, Any] = {
    "BOT_NAME": "budgetqa",
    "USER_AGENT": USER_AGENT,
    "ROBOTSTXT_OBEY": True,
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
    "AUTOTHROTTLE_MAX_DELAY": 30.0,
    "CONCURRENT_REQUESTS": 16,
    "COOKIES_ENABLED": True,  # some WAFs set a cookie on the first answer
    "TELNETCONSOLE_ENABLED": False,
    "DOWNLOAD_WARNSIZE": 0,
    "REDIRECT_MAX_TIMES": 5,
    "METAREFRESH_ENABLED": True,
    "HTTPCACHE_ENABLED": False,
    # resolve once, check every address, connect only to those (crawler.downloadermiddlewares.safety)
    "TWISTED_DNS_RESOLVER": "crawler.downloadermiddlewares.safety.SafeResolver",  # incremental state lives in the raw store (crawler.store)
    "DOWNLOADER_MIDDLEWARES": {
        # before RobotsTxtMiddleware (100): never fetch even robots.txt from a refused host
        "crawler.downloadermiddlewares.safety.SafetyMiddleware": 40,
        "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,  # SafetyMiddleware covers it
        "crawler.downloadermiddlewares.conditional.ConditionalRequestMiddleware": 560,
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        "crawler.downloadermiddlewares.retry.BackoffRetryMiddleware": 550,
    },
    "ITEM_PIPELINES": {"crawler.pipelines.store.StorePipeline": 300},
    "LOG_LEVEL": "INFO",
}


def portal_settings(portal: PortalConfig, log_file: str | None = None) -> dict[str, Any]:
    settings = dict(BASE)
    settings.update({
        "DOWNLOAD_TIMEOUT": portal.timeout,
        "DOWNLOAD_MAXSIZE": int(portal.max_size_mb * 1024 * 1024),
        "CONCURRENT_REQUESTS_PER_DOMAIN": portal.concurrency_per_domain,
        "DOWNLOAD_DELAY": portal.delay,
        "AUTOTHROTTLE_START_DELAY": portal.delay,
        "RETRY_TIMES": portal.retries,
        "RETRY_BACKOFF": portal.retry_backoff,
    })
    if log_file:
        settings["LOG_FILE"] = log_file
    return settings
