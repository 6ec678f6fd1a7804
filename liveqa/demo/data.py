"""Demo content for `flask seed-demo`: Qom's districts, officials, topics and questions.

Only data lives here; liveqa/demo/seed.py walks it through the domain verbs. Every person's
name is a placeholder, not a real official or citizen. Question times are hours relative
to the session's start (closed sessions) or to now (the open session).
"""

EDITION = {"number": 9, "title": "دوره نهم «شهروند پرسشگر، مدیر پاسخگو»"}

# The edition's sessions so far; the demo seeds the last two, the open one and the next.
FIRST_SEEDED_SESSION_NUMBER = 8

# username, role, display name
STAFF = (
    ("admin", "admin", "مدیر سامانه"),
    ("moderator", "moderator", "کارشناس ناظر برنامه"),
    ("operator", "operator", "اپراتور سامانه ۱۳۷"),
)

# key: the official's username and display name, titles, portfolio, rank on screen.
OFFICIALS = {
    "mayor": {
        "username": "mayor",
        "name": "دکتر محمد حسینی",
        "title": "شهردار قم",
        "title_en": "Mayor of Qom",
        "portfolio": "شهرداری قم",
        "rank": 1,
    },
    "planning": {
        "username": "deputy-planning",
        "name": "دکتر مریم نوری",
        "title": "معاون برنامه‌ریزی و سرمایه انسانی",
        "title_en": "Deputy Mayor for Planning & Human Capital",
        "portfolio": "معاونت برنامه‌ریزی و سرمایه انسانی",
        "rank": 10,
    },
    "transport": {
        "username": "deputy-transport",
        "name": "مهندس علی احمدی",
        "title": "معاون حمل‌ونقل و ترافیک",
        "title_en": "Deputy Mayor for Transportation & Traffic",
        "portfolio": "معاونت حمل‌ونقل و ترافیک",
        "rank": 20,
    },
    "services": {
        "username": "deputy-services",
        "name": "مهندس رضا کریمی",
        "title": "معاون خدمات شهری و محیط زیست",
        "title_en": "Deputy Mayor for Urban Services & Environment",
        "portfolio": "معاونت خدمات شهری و محیط زیست",
        "rank": 30,
    },
    "urbanism": {
        "username": "deputy-urbanism",
        "name": "مهندس زهرا موسوی",
        "title": "معاون شهرسازی و معماری",
        "title_en": "Deputy Mayor for Urban Planning & Architecture",
        "portfolio": "معاونت شهرسازی و معماری",
        "rank": 40,
    },
    "technical": {
        "username": "deputy-technical",
        "name": "مهندس حسن رحیمی",
        "title": "معاون فنی و عمرانی",
        "title_en": "Deputy Mayor for Technical & Construction Affairs",
        "portfolio": "معاونت فنی و عمرانی",
        "rank": 50,
    },
    "finance": {
        "username": "deputy-finance",
        "name": "دکتر مهدی صادقی",
        "title": "معاون مالی و اقتصادی",
        "title_en": "Deputy Mayor for Financial & Economic Affairs",
        "portfolio": "معاونت مالی و اقتصادی",
        "rank": 60,
    },
}

DISTRICT_NAMES = ("۱", "۲", "۳", "۴", "۵", "۶", "۷", "۸")

# slug, name, English name, the official it is routed to by default.
CATEGORIES = (
    ("waste-collection", "جمع‌آوری پسماند", "Waste collection", "services"),
    ("street-cleaning", "رفت‌وروب و نظافت معابر", "Street cleaning", "services"),
    ("traffic-parking", "ترافیک و پارکینگ", "Traffic & parking", "transport"),
    (
        "public-transport",
        "حمل‌ونقل عمومی (اتوبوس و مترو)",
        "Public transport (bus & metro)",
        "transport",
    ),
    ("buildings", "پروانه ساختمانی و تخلفات ساختمانی", "Building permits & violations", "urbanism"),
    ("roads", "معابر و آسفالت", "Roads & asphalt", "technical"),
    ("parks", "پارک‌ها و فضای سبز", "Parks & green space", "services"),
    ("street-lighting", "روشنایی معابر", "Street lighting", "technical"),
    ("fees", "عوارض و درآمدهای شهرداری", "Municipal fees & duties", "finance"),
    ("service-desks", "کارکنان و پیشخوان‌های خدمت", "Municipal staff & service desks", "planning"),
    ("stray-animals", "حیوانات بلاصاحب", "Stray animals", "services"),
    ("other", "سایر", "Other", "mayor"),
)

# Sessions relative to the coming Wednesday (weeks), their title and attending officials.
SESSIONS = (
    {
        "weeks": -2,
        "title": "جلسه هشتم: خدمات شهری، شهرسازی و عمران",
        "officials": ("services", "urbanism", "technical"),
    },
    {
        "weeks": -1,
        "title": "جلسه نهم: حمل‌ونقل، ترافیک و پسماند",
        "officials": ("mayor", "transport", "services", "finance"),
    },
    {
        "weeks": 0,
        "title": "جلسه دهم: گفت‌وگوی شهردار و معاونان با شهروندان",
        "officials": tuple(OFFICIALS),
    },
    {
        "weeks": 1,
        "title": "جلسه یازدهم: شهرسازی، عمران و سرمایه انسانی",
        "officials": ("urbanism", "technical", "planning"),
    },
)

# Questions of the session two weeks ago; it closed with unfinished ones sent to follow-up.
OLDER_SESSION_QUESTIONS = (
    {
        "at": -30,
        "text": "سطل‌های زباله مکانیزه‌ای که در منطقه ۲ گذاشته‌اید خیلی زود پر می‌شوند و "
        "زباله‌ها کنارشان روی زمین جمع می‌شود. لطفاً تعدادشان را بیشتر کنید.",
        "category": "waste-collection",
        "district": 2,
        "supports": 11,
        "outcome": "answered",
        "kind": "verbal",
        "answer": "در هفته جاری ۴۰ مخزن مکانیزه جدید در منطقه ۲ نصب می‌شود و دفعات تخلیه در "
        "محله‌های پرجمعیت از یک بار به دو بار در شب افزایش می‌یابد.",
        "follow_up": ("شهرداری منطقه ۲ - واحد خدمات شهری", 10),
    },
    {
        "at": -22,
        "text": "همسایه ما بدون مجوز دیوار مشترک را خراب کرده و شهرداری منطقه فقط اخطار داده. "
        "تکلیف ما چیست؟",
        "category": "buildings",
        "district": 6,
        "name": "اکبر",
        "phone": True,
        "supports": 4,
        "outcome": "answered",
        "kind": "verbal",
        "answer": "دستور توقف عملیات ساختمانی صادر شد و پرونده به کمیسیون ماده صد می‌رود. "
        "کارشناس منطقه ۶ این هفته از محل بازدید می‌کند.",
        "follow_up": ("شهرداری منطقه ۶ - واحد شهرسازی", 7),
    },
    {
        "at": -18,
        "text": "آسفالت خیابان ما چند سال است ترمیم نشده و پر از ترک و چاله است.",
        "category": "roads",
        "district": 5,
        "supports": 10,
        "outcome": "answered",
        "kind": "written",
        "answer": "این خیابان در فهرست روکش آسفالت امسال منطقه ۵ است و اجرای آن بعد از "
        "فصل بارندگی آغاز می‌شود.",
    },
    {
        "at": -6,
        "text": "چراغ‌های کوچه ما یک ماه است خاموش است و شب‌ها رفت‌وآمد سخت شده.",
        "category": "street-lighting",
        "district": 3,
        "phone": True,
        "supports": 3,
        "outcome": "answered",
        "kind": "verbal",
        "answer": "اکیپ روشنایی امروز اعزام می‌شود و تعمیر تا پایان هفته انجام خواهد شد.",
        "follow_up": ("معاونت فنی و عمرانی - واحد روشنایی معابر", 5),
    },
    {
        "at": -12,
        "text": "بعد از هر باران، گل‌ولای کف خیابان اصلی منطقه ۶ روزها می‌ماند. چرا "
        "شست‌وشوی معابر انجام نمی‌شود؟",
        "category": "street-cleaning",
        "district": 6,
        "name": "نرگس",
        "supports": 6,
        "outcome": "routed",
    },
    {
        "at": -3,
        "text": "در حاشیه شهرک ما سگ‌های بلاصاحب زیاد شده‌اند و شب‌ها عابران را دنبال می‌کنند.",
        "category": "stray-animals",
        "district": 7,
        "supports": 9,
        "outcome": "approved",
    },
    {
        "at": -9,
        "text": "نظر شما درباره وضعیت تیم فوتبال شهر چیست؟",
        "outcome": "rejected",
        "reason": "off_topic",
        "note": "این پرسش به موضوع برنامه مربوط نیست.",
    },
)

# Questions of last week's session; it closed carrying unfinished ones into this week.
PREVIOUS_SESSION_QUESTIONS = (
    {
        "key": "schedule",
        "at": -40,
        "text": "در محله ما ساعت جمع‌آوری زباله مشخص نیست؛ گاهی ساعت ۹ شب می‌آیند و گاهی "
        "نیمه‌شب. اگر ساعت ثابت اعلام شود مردم هم زباله را به موقع بیرون می‌گذارند.",
        "category": "waste-collection",
        "district": 6,
        "name": "رضا قاسمی",
        "supports": 19,
        "outcome": "answered",
        "kind": "verbal",
        "answer": "از شنبه آینده برنامه جمع‌آوری منطقه ۶ ثابت می‌شود: هر شب از ساعت ۲۱ تا ۲۳. "
        "جدول ساعت‌ها روی مخزن‌ها نصب و از سامانه ۱۳۷ هم اعلام می‌شود.",
        "follow_up": ("شهرداری منطقه ۶ - واحد خدمات شهری", 14),
    },
    {
        "at": -26,
        "text": "اتوبوس‌های خط ۵ بعد از ساعت ۸ شب تقریباً نمی‌آیند و ما که شیفت عصر کار "
        "می‌کنیم مجبوریم تاکسی دربست بگیریم. امکان افزایش سرویس شبانه هست؟",
        "category": "public-transport",
        "district": 2,
        "name": "سمیه",
        "phone": True,
        "supports": 12,
        "outcome": "answered",
        "kind": "verbal",
        "answer": "از اول ماه آینده دو اتوبوس به سرویس شبانه خط ۵ اضافه و آخرین حرکت تا "
        "ساعت ۲۲:۳۰ تمدید می‌شود.",
        "follow_up": ("سازمان حمل‌ونقل عمومی شهرداری", 30),
    },
    {
        "at": -20,
        "text": "ورود موتورسیکلت‌ها به پیاده‌روهای اطراف بازار خیلی خطرناک شده. شهرداری برای "
        "جلوگیری از آن چه می‌کند؟",
        "category": "traffic-parking",
        "district": 1,
        "supports": 9,
        "outcome": "answered",
        "kind": "written",
        "answer": "با همکاری پلیس راهور، نصب مانع فیزیکی در ورودی پیاده‌روهای محدوده بازار در "
        "دستور کار است و گشت مشترک از هفته آینده آغاز می‌شود.",
    },
    {
        "at": -15,
        "text": "برای گرفتن پایان‌کار باید همه عوارض را یکجا پرداخت کنیم؟ مبلغ برای ما خیلی "
        "زیاد است.",
        "category": "fees",
        "district": 5,
        "name": "محمدعلی",
        "supports": 6,
        "outcome": "answered",
        "kind": "verbal",
        "answer": "خیر؛ طبق مصوبه شورا عوارض تا سقف مشخصی تا ۱۲ قسط تقسیط می‌شود. برای "
        "تقسیط به پیشخوان منطقه مراجعه کنید یا از سامانه ۱۳۷ وقت بگیرید.",
    },
    {
        "at": -8,
        "text": "مخزن‌های زباله خیابان ما را برداشته‌اند و حالا مردم زباله‌ها را کنار دیوار می‌گذارند.",
        "category": "waste-collection",
        "district": 5,
        "phone": True,
        "supports": 7,
        "outcome": "answered",
        "kind": "verbal",
        "answer": "مخزن‌ها برای شست‌وشو و تعمیر جمع شده بودند؛ ظرف ۴۸ ساعت مخزن نو جایگزین می‌شود.",
        "follow_up": ("شهرداری منطقه ۵ - واحد خدمات شهری", 2),
    },
    {
        "at": -30,
        "text": "آقای شهردار، برای کم کردن ترافیک ورودی‌های شهر در روزهای زیارتی چه برنامه‌ای دارید؟",
        "category": "other",
        "name": "حسین طباطبایی",
        "supports": 15,
        "outcome": "answered",
        "kind": "verbal",
        "answer": "طرح ترافیکی ایام زیارتی با پارکینگ‌های حاشیه شهر و اتوبوس رایگان تا حرم "
        "اجرا می‌شود و جزئیات آن هفته آینده اعلام خواهد شد.",
        "follow_up": ("معاونت حمل‌ونقل و ترافیک", 21),
    },
    {
        "at": -10,
        "text": "چرا ساعت آمدن ماشین زباله در منطقه ۶ هر شب فرق می‌کند؟",
        "category": "waste-collection",
        "district": 6,
        "outcome": "merged",
        "into": "schedule",
    },
    {
        "at": -5,
        "text": "گاز خانه ما از دیروز قطع شده و کسی جواب نمی‌دهد.",
        "phone": True,
        "outcome": "rejected",
        "reason": "not_municipal",
        "note": "رسیدگی به قطعی گاز با شرکت گاز استان است؛ با شماره ۱۹۴ تماس بگیرید.",
    },
    {
        "at": 1.2,
        "text": "کوچه ما شیب تندی دارد و زمستان که یخ می‌زند کسی نمی‌تواند رد شود. لطفاً "
        "نرده یا پله بگذارید.",
        "category": "roads",
        "district": 2,
        "outcome": "submitted",
    },
    {
        "at": -4,
        "text": "سرعت‌گیرهای خیابان ما خیلی بلند است و به ماشین‌ها آسیب می‌زند. لطفاً استاندارد شوند.",
        "category": "traffic-parking",
        "district": 6,
        "supports": 5,
        "outcome": "approved",
    },
    {
        "at": -12,
        "text": "پارک محله ما سرویس بهداشتی ندارد و خانواده‌ها به زحمت می‌افتند.",
        "category": "parks",
        "district": 5,
        "name": "فاطمه",
        "supports": 8,
        "outcome": "routed",
    },
)

# Questions of the open session, hours before now; none is on air while it is only open.
OPEN_SESSION_QUESTIONS = (
    {
        "key": "waste-fatemi",
        "at": -22,
        "text": "سه روز است که زباله‌های کوچه ما جمع‌آوری نشده و مخزن‌ها پر شده‌اند. بوی بد و "
        "گربه‌ها امان اهالی را بریده. چرا برنامه جمع‌آوری منظم نیست؟",
        "category": "waste-collection",
        "district": 6,
        "name": "مریم صالحی",
        "supports": 23,
        "outcome": "routed",
    },
    {
        "at": -21,
        "text": "مخزن زباله سر کوچه ما شکسته و درش بسته نمی‌شود. زباله‌ها توی کوچه پخش می‌شود. "
        "کی عوضش می‌کنید؟",
        "category": "waste-collection",
        "district": 2,
        "phone": True,
        "supports": 9,
        "outcome": "approved",
    },
    {
        "at": -20,
        "text": "ساعت جمع‌آوری زباله در محله ما ۱۱ شب است ولی بعضی همسایه‌ها از عصر زباله را "
        "بیرون می‌گذارند. برای آموزش و تذکر به شهروندان برنامه‌ای دارید؟",
        "category": "waste-collection",
        "district": 5,
        "supports": 14,
        "outcome": "routed",
    },
    {
        "at": -19,
        "text": "در منطقه ۶ طرح تفکیک زباله از مبدأ را شروع کرده بودید ولی دیگر کیسه‌های "
        "تفکیک را توزیع نمی‌کنند. این طرح متوقف شده؟",
        "category": "waste-collection",
        "district": 6,
        "name": "حسین قاسمی",
        "supports": 11,
        "outcome": "approved",
    },
    {
        "at": -18,
        "text": "زباله‌های کوچه ما چند روز است مانده، کسی رسیدگی نمی‌کند؟",
        "category": "waste-collection",
        "district": 6,
        "outcome": "merged",
        "into": "waste-fatemi",
    },
    {
        "at": -3,
        "text": "کنار پارک محله یک نقطه تخلیه غیرمجاز نخاله ساختمانی درست شده و هر شب "
        "کامیون‌ها آنجا خالی می‌کنند. لطفاً جلوی این کار را بگیرید.",
        "category": "waste-collection",
        "district": 5,
        "name": "علی رضایی",
        "phone": True,
        "asker_phone": "02500001370",
        "outcome": "submitted",
    },
    {
        "at": -1.5,
        "text": "وانت‌های ضایعاتی صبح زود با بلندگو در کوچه‌ها می‌گردند و مخزن‌ها را به هم "
        "می‌ریزند. شهرداری برای ساماندهی آن‌ها چه کرده؟",
        "category": "waste-collection",
        "district": 2,
        "outcome": "submitted",
    },
    {
        "at": -17,
        "text": "جوی آب خیابان ما پر از برگ و زباله است و با اولین باران آب توی خیابان راه "
        "می‌افتد. لایروبی جوی‌ها کی انجام می‌شود؟",
        "category": "street-cleaning",
        "district": 2,
        "supports": 6,
        "outcome": "approved",
        "classified_by_moderator": True,
    },
    {
        "at": -2.5,
        "text": "بعد از بازار هفتگی روز جمعه، خیابان تا دوشنبه کثیف می‌ماند. لطفاً نظافت بعد "
        "از بازار را زودتر انجام دهید.",
        "category": "street-cleaning",
        "district": 4,
        "phone": True,
        "outcome": "submitted",
    },
    {
        "at": -16,
        "text": "اطراف حرم جای پارک پیدا نمی‌شود و ماشین‌ها دوبله پارک می‌کنند. ساخت پارکینگ "
        "طبقاتی در این محدوده در برنامه هست؟",
        "category": "traffic-parking",
        "district": 1,
        "name": "سید محمد طباطبایی",
        "supports": 17,
        "outcome": "routed",
    },
    {
        "at": -15,
        "text": "زمان چراغ سبز چهارراه نزدیک بیمارستان خیلی کم است و صف ماشین‌ها تا میدان "
        "می‌رسد. لطفاً زمان‌بندی چراغ را اصلاح کنید.",
        "category": "traffic-parking",
        "district": 3,
        "supports": 8,
        "outcome": "routed",
    },
    {
        "at": -14,
        "text": "جلوی مدرسه دخترانه محله ما خط عابر پیاده و سرعت‌گیر ندارد و بچه‌ها موقع "
        "تعطیلی در خطرند.",
        "category": "traffic-parking",
        "district": 5,
        "name": "زهرا حسین‌زاده",
        "phone": True,
        "supports": 12,
        "outcome": "approved",
    },
    {
        "key": "metro",
        "at": -13,
        "text": "پروژه قطار شهری قم بالاخره کی به بهره‌برداری می‌رسد؟ سال‌هاست منتظریم.",
        "category": "public-transport",
        "supports": 20,
        "outcome": "routed",
        "official": "mayor",
    },
    {
        "at": -12,
        "text": "فاصله حرکت اتوبوس‌های خط ۸ در ساعت‌های شلوغ گاهی به ۴۰ دقیقه می‌رسد. چرا "
        "تعداد اتوبوس‌ها را بیشتر نمی‌کنید؟",
        "category": "public-transport",
        "district": 6,
        "name": "امیرحسین",
        "supports": 10,
        "outcome": "routed",
    },
    {
        "at": -11,
        "text": "ایستگاه اتوبوس سر خیابان ما سایبان ندارد و تابستان باید زیر آفتاب منتظر ماند.",
        "category": "public-transport",
        "district": 2,
        "supports": 5,
        "outcome": "approved",
    },
    {
        "at": -2,
        "text": "کارت بلیت اتوبوس را در دستگاه شارژ کردم ولی اعتبارش ثبت نشد. به کجا باید "
        "مراجعه کنم؟",
        "category": "public-transport",
        "phone": True,
        "outcome": "submitted",
    },
    {
        "at": -9,
        "text": "مترو کی راه می‌افتد؟",
        "category": "public-transport",
        "outcome": "merged",
        "into": "metro",
    },
    {
        "at": -10,
        "text": "همسایه ما بدون پروانه یک طبقه اضافه ساخته و نور و دید خانه ما را گرفته. چند "
        "بار به منطقه شکایت دادم ولی نتیجه‌ای نگرفتم.",
        "category": "buildings",
        "district": 6,
        "name": "محمد جعفری",
        "phone": True,
        "supports": 5,
        "outcome": "routed",
    },
    {
        "at": -9.5,
        "text": "چرا صدور پروانه ساختمانی این‌قدر طول می‌کشد؟ پرونده من سه ماه است در منطقه مانده.",
        "category": "buildings",
        "district": 5,
        "supports": 7,
        "outcome": "approved",
    },
    {
        "at": -1,
        "text": "ساختمان نیمه‌کاره کنار خانه ما سال‌هاست رها شده و شب‌ها محل تجمع افراد "
        "ناباب شده. شهرداری نمی‌تواند مالک را به تکمیل یا ایمن‌سازی ملزم کند؟",
        "category": "buildings",
        "district": 2,
        "outcome": "submitted",
    },
    {
        "key": "trench",
        "at": -8,
        "text": "خیابان ما بعد از حفاری گازرسانی فقط خاک‌ریزی شده و آسفالت نشده. چاله‌ها به "
        "ماشین‌ها آسیب می‌زند.",
        "category": "roads",
        "district": 5,
        "name": "فاطمه نوروزی",
        "supports": 15,
        "outcome": "routed",
    },
    {
        "at": -7,
        "text": "سلام خسته نباشید. من ساکن منطقه ۵ هستم، کوچه ۱۴. حدود دو هفته است که جلوی "
        "خانه ما را برای لوله‌کشی آب کنده‌اند و رها کرده‌اند. نه تابلویی گذاشته‌اند نه "
        "نرده‌ای. دیشب یک موتوری افتاد داخلش. لطفاً رسیدگی کنید.",
        "edited": "ترانشه لوله‌کشی آب در کوچه ۱۴ منطقه ۵ دو هفته است بدون علائم ایمنی رها شده "
        "و باعث حادثه شده. کی ترمیم می‌شود؟",
        "category": "roads",
        "district": 5,
        "phone": True,
        "supports": 4,
        "outcome": "routed",
    },
    {
        "at": -6.5,
        "text": "آسفالت کوچه ما بعد از لوله‌کشی گاز خراب مانده.",
        "category": "roads",
        "district": 5,
        "outcome": "merged",
        "into": "trench",
    },
    {
        "at": -6,
        "text": "پیاده‌رو خیابان ما پر از پستی و بلندی و موزاییک شکسته است؛ مادرم با ویلچر "
        "نمی‌تواند رد شود.",
        "category": "roads",
        "district": 2,
        "supports": 7,
        "outcome": "approved",
        "classified_by_moderator": True,
    },
    {
        "at": -5.5,
        "text": "پارک محله ما شب‌ها کاملاً تاریک است و چراغ‌هایش ماه‌هاست خاموش است. "
        "خانواده‌ها دیگر شب به پارک نمی‌آیند.",
        "category": "parks",
        "district": 6,
        "name": "مهدی",
        "supports": 10,
        "outcome": "routed",
    },
    {
        "at": -5,
        "text": "وسایل بازی بچه‌ها در بوستان محله زنگ زده و یکی از تاب‌ها شکسته. لطفاً قبل "
        "از اینکه بچه‌ای آسیب ببیند تعمیرشان کنید.",
        "category": "parks",
        "district": 5,
        "phone": True,
        "supports": 8,
        "outcome": "approved",
    },
    {
        "at": -0.7,
        "text": "درختان خیابان ما خشک شده‌اند چون مدتی است آبیاری نمی‌شوند.",
        "category": "parks",
        "district": 2,
        "outcome": "submitted",
    },
    {
        "at": -0.5,
        "text": "چند تیر چراغ برق در بلوار ورودی شهرک ما خاموش است و عبور عابران در شب خطرناک شده.",
        "category": "street-lighting",
        "district": 7,
        "outcome": "submitted",
    },
    {
        "at": -4.5,
        "text": "عوارض نوسازی امسال ملک من نسبت به پارسال دو برابر شده. مبنای محاسبه چیست و "
        "امکان تقسیط دارد؟",
        "category": "fees",
        "district": 3,
        "name": "ابوالفضل",
        "supports": 6,
        "outcome": "routed",
    },
    {
        "at": -0.3,
        "text": "برای پرداخت عوارض خودرو و پسماند باید حضوری بروم یا راه اینترنتی هم هست؟",
        "category": "fees",
        "outcome": "submitted",
    },
    {
        "at": -4,
        "text": "در دفتر خدمات منطقه برای یک استعلام ساده سه بار مرا به این اتاق و آن اتاق "
        "فرستادند. چرا همه کارها در یک پیشخوان انجام نمی‌شود؟",
        "category": "service-desks",
        "district": 2,
        "phone": True,
        "supports": 4,
        "outcome": "approved",
    },
    {
        "at": -0.2,
        "text": "سامانه ۱۳۷ دیروز عصر مدت زیادی اشغال بود. برای افزایش خطوط برنامه‌ای دارید؟",
        "category": "service-desks",
        "outcome": "submitted",
    },
    {
        "at": -3.5,
        "text": "سگ‌های بلاصاحب در زمین خالی کنار مدرسه جمع می‌شوند و بچه‌ها صبح‌ها می‌ترسند از "
        "آنجا رد شوند.",
        "category": "stray-animals",
        "district": 6,
        "supports": 13,
        "outcome": "approved",
        "classified_by_moderator": True,
    },
    {
        "at": -3.2,
        "text": "آقای شهردار، برای اینکه مردم در تصمیم‌های محله نقش بیشتری داشته باشند، "
        "شورایاری‌ها را فعال‌تر می‌کنید؟",
        "category": "other",
        "name": "سعید",
        "supports": 4,
        "outcome": "routed",
    },
    {
        "at": -2.8,
        "text": "قبض برق ما این ماه خیلی زیاد آمده، چرا؟",
        "phone": True,
        "outcome": "rejected",
        "reason": "not_municipal",
        "note": "رسیدگی به قبض برق با شرکت توزیع برق است؛ با شماره ۱۲۱ تماس بگیرید.",
    },
    {
        "at": -2.2,
        "text": "همسایه‌ام با شماره ۰۹۱۲۰۰۰۰۰۰۰ هر شب تا دیروقت سروصدا می‌کند، به او تذکر دهید.",
        "outcome": "rejected",
        "reason": "personal_data",
        "note": "برای حفظ حریم خصوصی، پرسش‌هایی که نام یا شماره افراد را دارند منتشر نمی‌شوند.",
    },
    {
        "at": -1.8,
        "text": "سلام",
        "outcome": "rejected",
        "reason": "unclear",
        "note": "لطفاً پرسش خود را کامل بنویسید.",
    },
)
