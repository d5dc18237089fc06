"""Every sentence the bot says, by key: one table, so wording is changed in one place and tests use keys."""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, str] = {
    # engine notices
    "stale_button": "这个按钮已过期，请看当前的问题：",
    "unknown_action": "看不懂这个操作。",
    "review_hint": "全部题目都有答案了。要改哪一题，请在检查列表里点编号。",
    "answered_from_review": "已回到填写：刚才发的内容填入了“{label}”。",
    "all_done": "全部完成了。",
    "no_such_question": "没有这道题，请看检查列表里的编号。",
    "no_example": "这一题没有示例。",
    "choose_button": "请点下面的按钮选择。",
    "first_question": "已经是第一题了。",
    "required": "这是必填项，不能跳过。",
    "one_answer": "这一题只需回答一次，直接发送答案即可。",
    "item_incomplete": "这一{item}还缺“{field}”。请填完，或点“上一题”撤销。",
    "too_few_items": "至少需要 {need} {item}，现在有 {have} {item}。",
    "too_many_items": "最多 {limit} {item}，现在已有 {have} {item}。",
    "collection_done": "已完成“{label}”，共 {n} {item}。",
    "nothing_to_clear": "这一题没有可清空的列表。",
    "skipped_whole": "已跳过整项“{label}”（报告里不写这一部分）。以后想补，在 /review 里点它。",
    "cleared": "🗑 已清空 {n} {item}。点“撤销”可以全部找回，或直接重新填写。",
    "confirm_clear": "确定清空这 {n} {item}吗？清空后可以马上撤销。",
    "undone": "↩ 已撤销清空，{n} {item}都回来了。",
    "nothing_to_undo": "没有可撤销的清空。",
    "del_usage": "请写要删除的序号，例如 /del 2。",
    "item_usage": "请点要修改的那一条。",
    "item_busy": "正在添加新的一{item}：请先填完，或点“上一题”撤销，再修改已有的。",
    "item_changed": "✏ 已修改第 {n} {item}。",
    "editing_heading": "✏ 修改第 {n} {item} · {field}",
    "editing_current": "现在是：{value}",
    "editing_hint": "发送新内容即可修改，或点“保留原答案”。",
    "item_deleted": "已删除第 {n} {item}：{title}",
    "items_recorded": "已记录 {n} {item}。",
    "item_added": "✅ 已添加第 {n} {item}：{title}",
    "item_added_last": "已添加第 {n} {item}，已达上限（最多 {n} {item}），这一项已完成。下面是下一题：",
    "check_warn": "⚠ 已保存，但数字对不上：{failure}改其中任何一个数字都可以（/review 里点对应的题）。",
    "opening_printed": "📝 报告里会印成：“{shown}”",
    "cleaned": "✂ 已去掉“{removed}”（报告会自动加上编号、年份和单位）。",
    # sum checks
    "sum_mismatch": "{expr} = {sum}，与{total_label} {total} 不一致。",
    "sum_exceeds": "{expr} = {sum}，超过了{total_label} {total}。",
    # assistant
    "welcome_back_to": "👋 欢迎回来！继续填写{draft}：",
    "welcome_back": "👋 欢迎回来！",
    "intro": (
        "👋 您好！我帮您一问一答写好年度《法治政府建设情况报告》，最后直接生成排好版的 Word 文件。\n"
        "每个回答都会立即保存，可以随时中断。发送 /help 查看说明。"
    ),
    "unknown_command": "没有“{command}”这个命令。",
    "paused": "⏸ 已暂停，所有回答都已保存。随时发 /start 接着填。",
    "pick_draft": "请先选择要继续的草稿：",
    "other_draft": "这个按钮属于另一份草稿，已忽略。当前草稿：",
    "type_gone": "这份草稿的报告类型已不再提供，请 /new 新建。",
    "no_drafts": "您还没有草稿。发送 /new 新建。",
    "drafts_title": "🗂 我的草稿：",
    "draft_line": "{i}. {draft} 完成度 {pct}，最后修改 {when}{mark}",
    "current_mark": "（当前）",
    "new_how": "新建报告：从空白开始，还是沿用已有草稿的内容（年度和日期重新填）？",
    "copy_missing": "找不到要沿用的草稿。",
    "new_bad_arg": "新建方式不对，请点按钮选择。",
    "draft_limit": "草稿已有 {limit} 份，达到上限。请先在 /drafts 删除不用的草稿。",
    "created": "📝 新建《{name}》草稿。",
    "created_copy": "📝 已沿用{draft}的内容新建草稿。沿用的每一项都标了“待核对”，接下来逐项确认（“✓ 沿用”或改写）。",
    "unconfirmed_left": "⚠ 待核对：{label}",
    "draft_missing": "这份草稿不存在或已删除。",
    "continue_draft": "继续填写{draft}：",
    "confirm_delete": "确定删除{draft}吗？删除后无法恢复。",
    "deleted_draft": "🗑 已删除{draft}。",
    "no_reporter": "报告生成功能暂不可用。",
    "preview_head": "👀 预览：",
    "preview_head_partial": "👀 预览（未完成的部分暂缺）：",
    "preview_pdf_caption": "👀 按公文格式排好的预览，共 {n} 页（PDF）。",
    "preview_no_pages": "（服务器未安装 LibreOffice，先用文字预览；生成的 Word 文件不受影响。）",
    "preview_pages_failed": "（排版预览暂时生成失败，先用文字预览；生成的 Word 文件不受影响。）",
    "not_ready": "还不能生成报告，以下内容需要先处理：",
    "gaps": "按《法治政府建设与责任落实督察工作规定》，报告还应写到：",
    "gaps_hint": "可以点下面去补，也可以仍然生成。",
    "report_caption": "📄 {name}\n已按公文格式（GB/T 9704-2012）排版，可直接在 Word/WPS 中修改。",
    "save_failed": "⚠ 服务器存储出了问题，刚才这条回答没有保存。之前保存的内容都还在，请稍后再发一次：",
    "storage_down": "⚠ 服务器存储出了问题，暂时读不到您的草稿。已保存的内容不会丢失，请稍后再试。",
    "recovered_from_backup": "⚠ 您的草稿文件损坏了，已从最近一次备份恢复，最近几步的回答可能需要重填。",
    "unreadable_set_aside": "⚠ 您的草稿文件损坏，无法读取。损坏的文件已另存，管理员可以尝试找回；现在可以 /new 新建草稿。",
    "failed": "出错了，请重试。已保存的回答不会丢失；发 /start 回到当前问题。",
    # Telegram channel
    "refused": "抱歉，您还没有使用权限。\n您的用户 ID 是 {user_id}，请发给管理员开通。",
    "refused_short": "没有使用权限",
    "private_only": "请在与我的私聊中使用，群里不处理报告内容。",
    "edited": "修改已发出的消息不会改变答案。要改哪一题，请发 /review 选择后重新回答。",
    "text_only": "我只能读文字消息和报告文件（.docx / .txt）。请用文字回答当前的问题：",
    # deadline reminders
    "remind_on": "⏰ 已为{draft}开启提醒：每年 {dates} {hour}点左右提醒一次进度（下一次：{next}），报告生成后不再提醒。",
    "remind_off": "已关闭{draft}的提醒。",
    "remind_no_draft": "先打开或新建一份草稿，再开启提醒。",
    "reminder": "⏰ 提醒：{draft}还差 {n} 项没填完。一般3月1日前报送，4月1日前向社会公开。",
    "reminder_ready": "⏰ 提醒：{draft}已经填完，还没生成报告。一般3月1日前报送，4月1日前向社会公开。",
    # importing last year's report
    "import_how": "📥 导入去年的报告：把 Word 文件（.docx）或 .txt 文件直接发给我；也可以把全文复制下来，粘贴成一条消息发送。\n导入会新建一份下一年度的草稿，现有草稿不受影响。",
    "import_found": "📥 识别到 {parts} 个部分：\n{counts}",
    "import_chars": "已放进草稿：全文 {total} 字中的 {placed} 字（{percent}）。",
    "import_basics": "单位：{unit}\n年度：{year}\n结构：{outline}　部门：{profile}",
    "import_unplaced": "⚠ 有 {n} 处没能放进草稿（不会导入，需要的话导入后再补）：",
    "import_figures": "去年的数字：{figures}。问到这些数字时会提示去年的数，请填今年的。",
    "last_year_figure": "📎 去年报告里：{value}",
    "import_tables": "表格 {n} 个（表格不导入）",
    "import_then": "导入后新建草稿，每一项都标“待核对”：逐项点“✓ 沿用”或改写，旧年份会提示出来。",
    "import_no_headings": "没找到“一、”“（一）”这样的标题，没法按部分导入。\n可以把 {n} 段文字都作为正文条目导入（之后逐条核对、修改），或者取消。",
    "imported": "📥 已导入，新建了草稿{draft}。每一项都标了“待核对”，接下来逐项确认（“✓ 沿用”或改写）。",
    "import_cancelled": "已取消导入，没有保存任何内容。",
    "import_expired": "这次导入已失效（已处理过，或机器人重启过）。请重新发送文件。",
    "import_too_big": "文件超过 {mb} MB，没法导入。请删掉图片后另存，或直接粘贴文字。",
    "import_doc": "这是旧版 Word 格式（.doc）。请在 Word 或 WPS 里“另存为”.docx 后再发送。",
    "import_encrypted": "这个文件设了密码，读不出来。请去掉密码、另存为 .docx 后再发送。",
    "import_not_docx": "读不出这个文件。请发送 Word 文件（.docx）或纯文本文件（.txt）。",
    "import_bomb": "这个文件解压后异常大，可能已损坏，没有导入。请在 Word 里另存为新的 .docx 再发送。",
    "import_not_text": "这个文件不是可读的文字。请发送 Word 文件（.docx）或 .txt 文件。",
    "import_empty": "文件里没有文字，没有导入。",
    "import_off": "现在没法导入文件。",
    "import_download_failed": "文件没能下载下来，请稍后重新发送。",
    "bad_button": "这个按钮无效或已过期。",
    "stale_toast": "这个按钮已过期，请看最新的问题。",
    # screens
    "progress": "【{section}】第 {n}/{total} 题",
    "optional": "（选填，没有可点“跳过”）",
    "item_heading": "第 {n} {item} · {field}",
    "items_so_far": "已有 {n} {item}：",
    "add_more": "继续发送可再添加一{item}；点 ✏编号 修改某一{item}，发 /del 编号 删除；全部填完请点“完成本项”。",
    "items_full": "已达上限 {limit} {item}，不能再添加；要换一{item}请先 /del 编号删除。",
    "current_answer": "当前答案：{answer}",
    "change_or_keep": "发送新内容即可修改，或点“保留原答案”。",
    "carried_over": "⚠ 这是沿用去年的内容（待核对）：没问题点“✓ 沿用”，要改直接发新内容。",
    "carried_years": "⚠ 里面写了年份：{years}——请确认是否要改成今年的。",
    "was_skipped": "（此题已跳过；发送内容即可补填）",
    "list_hint": "可一次发多项，每行一项。",
    "complete_with_errors": "所有题目都答完了，但有数字对不上：",
    "fix_in_review": "请点“检查修改”改正。",
    "complete": "🎉 全部必填项已完成（{done}/{total}）。",
    "complete_next": "可以点“生成报告”下载 Word 文件，或先“预览”“检查修改”。",
    "review_title": "📋 检查修改 · 完成度 {pct}%（必填 {done}/{total}）",
    "review_footer": "点编号按钮（或发送 /edit 编号）修改任意一题。",
    "review_pick_section": "点一个部分，查看和修改其中的题目。",
    "example": "📝 示例（{label}）：\n{example}",
    "empty_value": "（空）",
    # writing help (optional)
    "polish_working": "✨ 正在润色，稍等几秒…",
    "polish_suggestion": "✨ 润色建议（{label}）：\n{text}\n\n原文没有改动；点“采用”才会替换。",
    "polish_adopted": "✅ 已采用润色后的文字。要换回原文，点“恢复原文”。",
    "polish_kept": "已保留原文。",
    "polish_restored": "↩ 已恢复原文。",
    "polish_off": "没有配置润色服务。",
    "polish_busy": "上一段还在润色中，请等它完成。",
    "polish_nothing": "这一段已经不在了（可能刚被修改或删除），没有可润色的文字。",
    "polish_expired": "这条润色建议已过期，请重新点“✨ 润色”。",
    "polish_stale": "原文已经改过了，这条建议作废，原文保留。",
    "polish_changed_facts": "润色结果改动了事实，已放弃，原文保留。（{detail}）",
    "polish_timeout": "润色服务响应超时，原文保留不变，可以稍后再试。",
    "polish_unreachable": "连不上润色服务，原文保留不变，可以继续填写。",
    "polish_rate_limited": "润色服务正忙（请求太多），原文保留不变，请稍后再试。",
    "polish_server_error": "润色服务出错了，原文保留不变，可以稍后再试。",
    "polish_refused": "润色服务拒绝了请求（请管理员检查密钥和模型名），原文保留不变。",
    "polish_bad_reply": "润色服务返回的内容无法使用，原文保留不变。",
    "polish_too_long": "润色结果超过了这一题的字数上限，已放弃，原文保留。",
    "help_polish": "✨ 润色：把某一段改写成公文语体。点“润色”时，这一段文字会发送给配置的模型服务（{where}）；只有点“采用”才会替换，数字、书名、日期不许改动。",
}

HELP = """📖 使用说明
按提示逐题回答即可，每个回答都会立即保存，随时可以中断，下次发 /start 接着填。

常用命令：
/start 开始或继续
/new 新建报告草稿
/import 导入去年的报告（直接发 Word 文件也行）
/remind 截止日期前提醒我（/remind off 关闭）
/drafts 我的草稿（继续 / 删除）
/back 上一题　/skip 跳过选填题
/review 检查修改（可改任意一题）
/preview 预览报告全文
/report 生成 Word 报告
/cancel 暂停
/help 本说明"""

BUTTONS: dict[str, str] = {
    "back": "⬅ 上一题",
    "skip": "跳过",
    "keep": "保留原答案",
    "confirm": "✓ 沿用",
    "skip_whole": "跳过整项",
    "example": "看示例",
    "use_example": "用这个示例作答",
    "to_question": "返回题目",
    "done": "✅ 完成本项",
    "clear": "🗑 清空重填",
    "review": "📋 检查修改",
    "pause": "⏸ 暂停",
    "report": "📄 生成报告",
    "preview": "👀 预览",
    "resume": "▶ 继续填写",
    "new": "➕ 新建",
    "new_report": "➕ 新建报告",
    "drafts": "🗂 我的草稿",
    "blank": "📄 空白新建",
    "copy": "沿用{draft}",
    "open": "▶ 继续 {i}",
    "delete": "🗑 删除 {i}",
    "delete_yes": "⚠ 确认删除",
    "cancel": "取消",
    "clear_yes": "⚠ 确认清空",
    "undo": "↩ 撤销清空",
    "edit_item": "✏{n}",
    "prev_item": "⬅ 上一条",
    "next_item": "下一条 ➡",
    "to_list": "返回列表",
    "sections": "📋 全部部分",
    "polish": "✨ 润色",
    "polish_last": "✨ 润色刚才这段",
    "adopt": "✅ 采用",
    "keep_original": "保留原文",
    "again": "🔄 再写一版",
    "restore": "↩ 恢复原文",
    "fill": "去填：{label}",
    "fix": "改：{label}",
    "check": "核对：{label}",
    "report_anyway": "📄 仍然生成",
    "import_yes": "📥 导入为新草稿",
    "import_yes_missing": "📥 仍然导入（缺上面 {n} 处）",
    "remind_stop": "🔕 关闭提醒",
    "import_plain": "📥 按段落导入",
}


def say(key: str, **params: Any) -> str:
    """The sentence for a key with its values filled in."""
    return MESSAGES[key].format(**params)


def label(key: str, **params: Any) -> str:
    """A button label by key."""
    return BUTTONS[key].format(**params)
