"""Defaults for every setting. No secrets here.

Each setting can be overridden in `instance/config.py` or by an environment
variable with the `WARDSITE_` prefix (e.g. `WARDSITE_SQLALCHEMY_DATABASE_URI`).
Values from the environment are parsed as JSON when they look like JSON, so
`WARDSITE_SESSION_COOKIE_SECURE=true` gives a boolean.
"""

# The database. Empty means `instance/wardsite.db` (filled in by create_app,
# because the instance folder is only known then).
SQLALCHEMY_DATABASE_URI = ""
SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

# A missing SECRET_KEY is generated once into instance/secret_key.
SECRET_KEY = ""

# Cookies: Secure is switched on when the site is served over HTTPS
# (PREFERRED_URL_SCHEME = "https"), see create_app.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "wardsite_session"
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
PREFERRED_URL_SCHEME = "http"

# The address residents use, e.g. "https://phuong.example.gov.vn": every
# absolute link in a message, feed or QR code is built on it, never on the
# request's Host header. Required under gunicorn; development and tests default
# to http://127.0.0.1:5000 (see create_app).
CANONICAL_URL = ""
# The host names the site answers to (others get 400), e.g.
# WARDSITE_TRUSTED_HOSTS=phuong.example.gov.vn,www.phuong.example.gov.vn;
# a leading dot accepts every subdomain. Empty: any host (CANONICAL_URL still
# decides the links). With PROXY_COUNT, X-Forwarded-Host is checked instead.
TRUSTED_HOSTS: list | None = None

# Number of reverse proxies in front of the site whose X-Forwarded-* headers
# are trusted (0 when the site is served directly).
PROXY_COUNT = 0

# Forms and CSRF: tokens live as long as the session.
WTF_CSRF_TIME_LIMIT = None
WTF_CSRF_HEADERS = ["X-CSRFToken"]
MAX_CONTENT_LENGTH = 8 * 1024 * 1024

# Interface language and time zone.
BABEL_DEFAULT_LOCALE = "vi"
BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}

# Rate limits. Empty means a SQLite file, instance/limits.db, that every
# worker on this machine shares (wardsite/limits_storage.py). A site served
# from several machines needs a shared storage:
# WARDSITE_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0
# ("memory://" counts per worker: each worker allows the full limit.)
RATELIMIT_STORAGE_URI = ""
# Set on every app: Flask-Limiter keeps the last app's choice otherwise.
RATELIMIT_ENABLED = True
RATELIMIT_HEADERS_ENABLED = False
# Failed sign-ins allowed before the form refuses for the rest of the window
# (wardsite/accounts/services.py): one account from one address, all accounts
# from one address, one account from everywhere. The last does not hold a
# browser that has signed in to the account before (a "known device"), so
# that guesses from elsewhere cannot lock the owner out; the owner gets an
# e-mail when their account reaches it.
LOGIN_LIMIT_PER_ACCOUNT_ADDRESS = "5 per 15 minutes"
LOGIN_LIMIT_PER_ADDRESS = "20 per 15 minutes"
LOGIN_LIMIT_PER_ACCOUNT = "10 per 15 minutes"
# Password reset by e-mail (wardsite/accounts/password_reset.py): a link
# works once, for this many hours. Requests per network address (past it the
# form says when to try again) and messages per account (past it nothing more
# is sent; the answer stays the same, so it tells nobody the account exists).
# Without MAIL_SERVER, the admin makes the link on the user's page instead.
PASSWORD_RESET_HOURS = 1
PASSWORD_RESET_LIMIT_PER_ADDRESS = "10 per hour"
PASSWORD_RESET_LIMIT_PER_ACCOUNT = "3 per hour"

# Outgoing mail (reminders, notifications). Empty host: messages go to the
# outbox table that staff can read instead.
MAIL_SERVER = ""
MAIL_PORT = 587
MAIL_USE_TLS = True
MAIL_USERNAME = ""
MAIL_PASSWORD = ""
MAIL_SENDER = "no-reply@localhost"

# Messages over Zalo and SMS (wardsite/notify/). Each channel is on only when
# its settings are filled in; with none, messages go to the log and the outbox.
# Replies slower than this many seconds count as "try again later".
NOTIFY_TIMEOUT_SECONDS = 10
# Zalo Notification Service through Zalo's own API, for the ward's Official
# Account: the app's id and secret key, a first access and refresh token (the
# refreshed pair is kept in ZALO_TOKEN_FILE, default instance/zalo_token.json),
# and the approved template id of each message kind, e.g.
# {"visit_confirmed": "312345"} (kinds: wardsite/notify/templates.py).
ZALO_APP_ID = ""
ZALO_APP_SECRET_KEY = ""
ZALO_OA_ACCESS_TOKEN = ""
ZALO_OA_REFRESH_TOKEN = ""
ZALO_TOKEN_FILE = ""
ZALO_ZNS_TEMPLATES: dict = {}
ZALO_ZNS_URL = "https://business.openapi.zalo.me/message/template"
ZALO_OAUTH_URL = "https://oauth.zaloapp.com/v4/oa/access_token"
# True sends with mode "development": only to the OA's admins, not charged.
ZALO_ZNS_DEVELOPMENT = False
# eSMS (esms.vn): customer-care SMS under a registered brandname, and ZNS
# relayed through eSMS when the OA is registered there (OA id and eSMS's
# template id of each kind). Sandbox: eSMS checks the request, sends nothing.
ESMS_API_KEY = ""
ESMS_SECRET_KEY = ""
ESMS_BRANDNAME = ""
ESMS_SMS_TYPE = "2"
ESMS_ZALO_OA_ID = ""
ESMS_ZNS_TEMPLATES: dict = {}
ESMS_URL = "https://rest.esms.vn/MainService.svc/json"
ESMS_SANDBOX = False
ESMS_CALLBACK_URL = ""
# The secret in the delivery-report URL (/thong-bao/esms/bao-cao/<token>); unset: the route is a 404.
ESMS_CALLBACK_TOKEN = ""
# The secret in the Zalo OA webhook URL (/thong-bao/zalo/su-kien/<token>); unset: a 404.
ZALO_WEBHOOK_TOKEN = ""
# The Official Account's secret key (Zalo's OA settings, not the app's secret):
# set, every webhook event must carry Zalo's X-ZEvent-Signature, else a 403.
ZALO_OA_SECRET_KEY = ""

# The worker that sends the outbox (`flask --app wardsite notify worker`,
# wardsite/notify/worker.py): messages claimed per round, seconds between
# rounds when nothing is due, seconds a claim lasts before another worker may
# take the message over (a worker that died), attempts before a message fails,
# and the first retry delay (doubled after each failure, up to six hours).
NOTIFY_WORKER_BATCH = 20
NOTIFY_WORKER_POLL_SECONDS = 1.0
NOTIFY_CLAIM_SECONDS = 120
NOTIFY_MAX_ATTEMPTS = 8
NOTIFY_RETRY_SECONDS = 30
# No Zalo or SMS in these hours (ward time) except about a change today;
# empty: none. E-mail goes out at any hour.
NOTIFY_QUIET_HOURS = "21:00-07:00"
# Paid messages stop for the day once they would cost more than this (đồng;
# 0: no cap), at the price of each channel below (set them to the contract's).
NOTIFY_DAILY_COST_CAP = 0
NOTIFY_COSTS: dict = {"zalo": 300, "esms_zalo": 330, "sms": 750}
# Every message goes to the log instead of its channel (`make run`).
NOTIFY_LOG_ONLY = False

# The ward's logo and other uploads are stored under instance/uploads.
UPLOAD_FOLDER = ""
LOGO_MAX_BYTES = 1024 * 1024

# Home guidance visits (wardsite/visits): each staffed mobile-team shift is cut
# into slots of this many minutes, one visit per slot; residents book from
# VISIT_LEAD_DAYS days ahead (1 = tomorrow) up to VISIT_HORIZON_DAYS ahead.
# Roster rules the solver and the leader's hand assignments keep: hours of
# rest between the end of one shift and the start of the next (0: only
# overlaps are refused), and shifts at most in one day for one volunteer.
ROSTER_MIN_REST_HOURS = 1
ROSTER_MAX_SHIFTS_PER_DAY = 2
# Days in a row at most for one volunteer (0: no limit). 6 keeps the day off
# a week the Labour Code (2019, Art. 111) gives employees; with the usual
# weekly limits of 1-3 shifts it never binds, so it costs no seat.
ROSTER_MAX_CONSECUTIVE_DAYS = 6
# A seat offered for a swap is told to at most this many volunteers who could
# take it (on each one's chosen channel; 0: nobody is told).
ROSTER_SWAP_TELL_MAX = 10
# A fill or re-plan runs as a job of the worker (`flask notify worker`), not in
# the web request; a job still running after this many seconds is taken to
# belong to a worker that stopped, and is run again (3 attempts at most).
ROSTER_JOB_LEASE_SECONDS = 900
# Run the job in the request that queued it (tests, development without a
# worker); never under gunicorn, where a long fill would hold a web worker.
ROSTER_FILL_INLINE = False
# A swap a volunteer takes waits for a leader's approval before the seat changes hands.
ROSTER_SWAP_NEEDS_APPROVAL = False
# Seconds the automatic fill's integer program may search (None: until the
# optimum is proven). Stopped at the limit, it keeps the best roster found
# and the report says it is not proven the best.
ROSTER_SOLVER_SECONDS = 20
VISIT_SLOT_MINUTES = 60
VISIT_LEAD_DAYS = 1
VISIT_HORIZON_DAYS = 14
# Personal fields of a booking are erased this many days after the visit
# (`flask --app wardsite purge`).
VISIT_RETENTION_DAYS = 90
VISIT_MAX_ACTIVE_PER_PHONE = 3
# Bookings made (never forms sent back with an error) per network address and
# per phone number. The address limit is high because households share one
# (a family's wifi; a mobile network's carrier-grade NAT, a whole quarter):
# see README, "Limits and shared addresses".
VISIT_BOOKING_RATE_LIMIT = "20 per hour"
VISIT_BOOKING_PHONE_LIMIT = "5 per day"
# A brake on made-up numbers: from one address, this many bookings with phone
# numbers new to the ward hold their time at once; later ones are received
# "to check" and hold it only once a leader has phoned and confirmed them.
VISIT_NEW_PHONES_PER_ADDRESS = "3 per day"
# A one-time code for a phone number new to the ward before its booking holds
# a time (wardsite/visits/phone_codes.py), sent the way the resident chose
# (Zalo or SMS); one who chose no messages is received "to check" and phoned
# by a leader. None: on when a Zalo or SMS channel is configured (or
# NOTIFY_LOG_ONLY sends everything to the log), off otherwise; True or False
# decides. A code lasts VISIT_PHONE_CODE_MINUTES and allows
# VISIT_PHONE_CODE_TRIES wrong tries; codes sent per phone number and per
# network address are limited (the shared limits storage).
VISIT_PHONE_CODES = None
VISIT_PHONE_CODE_MINUTES = 10
VISIT_PHONE_CODE_TRIES = 5
VISIT_PHONE_CODES_PER_PHONE = "3 per hour"
VISIT_PHONE_CODES_PER_ADDRESS = "10 per hour"
# The waiting list (no free time: "call me back"): an entry is deleted once a
# leader has called, or by `purge` after this many days.
VISIT_WAITING_DAYS = 30
# A freed seat is offered to the first suitable resident on the waiting list
# and held for them this many hours (never past the visit's start); then it
# passes to the next (`flask --app wardsite offers`, README "Scheduled jobs").
VISIT_OFFER_HOLD_HOURS = 2
# Lookups that found no booking (a guessed code), per network address.
VISIT_LOOKUP_RATE_LIMIT = "30 per hour"

# Article views are counted in memory per worker (wardsite/news/views.py) and
# written when NEWS_VIEW_FLUSH_COUNT are waiting or NEWS_VIEW_FLUSH_SECONDS
# have passed; one client's views of an article within NEWS_VIEW_REPEAT_MINUTES
# count once.
NEWS_VIEW_FLUSH_SECONDS = 30
NEWS_VIEW_FLUSH_COUNT = 100
NEWS_VIEW_REPEAT_MINUTES = 30

# Anonymous public pages are kept in memory (per worker) and served again
# until an editor changes what they show (see wardsite/page_cache/), for at
# most PAGE_CACHE_SECONDS (pages with today's date and free slots), at most
# PAGE_CACHE_ENTRIES pages per worker.
PAGE_CACHE = True
PAGE_CACHE_SECONDS = 30
PAGE_CACHE_ENTRIES = 500
