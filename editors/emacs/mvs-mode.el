;;; mvs-mode.el --- Major mode for mvlang's .mvs music-video scripts -*- lexical-binding: t; -*-

;; Keywords: languages
;; Package-Requires: ((emacs "26.1"))

;;; Commentary:

;; Font-lock for comments, strings (with escapes and `{mia@16}' references),
;; keywords, units, clock times, sizes, meters and numbers; `#' comments;
;; two-space indentation by brace depth; `.mvs' files open in this mode; and,
;; once `mvlang lsp' exists, eglot starts it for these buffers.
;;
;; The keyword lists between the GENERATED markers are written by
;; editors/generate.py from the grammar; edit that script, not the lists.
;;
;;   (add-to-list 'load-path "/path/to/mvlang/editors/emacs")
;;   (require 'mvs-mode)

;;; Code:

(defgroup mvs nil
  "Editing mvlang's .mvs scripts."
  :group 'languages
  :prefix "mvs-")

(defcustom mvs-indent-offset 2
  "Indentation of a block's statements in `mvs-mode'."
  :type 'integer
  :safe #'integerp)

;; BEGIN GENERATED (editors/generate.py)
(defconst mvs-statement-keywords
  '("age" "bpm" "camera" "cast" "character" "defaults" "downbeat"
    "effect" "footage" "fps" "from" "image" "import" "key" "length"
    "mark" "meter" "motion" "music" "mvs" "negative" "pick" "prompt"
    "react" "ref" "scene" "seed" "sfx" "size" "snap" "song" "style"
    "takes" "title" "to" "transition" "video")
  "Words that begin a statement, from the grammar.")
(defconst mvs-other-keywords
  '("at" "auto" "bar" "bass" "beat" "black" "blur" "brightness"
    "crossfade" "cut" "depth" "dip" "down" "dream" "ease" "end" "energy"
    "flash" "gain" "glow" "grain" "hue" "in" "in_out" "kick" "layer"
    "left" "linear" "morph" "octaves" "off" "onset" "out" "over" "pan"
    "right" "rotate" "shake" "smooth" "snare" "start" "strength" "until"
    "up" "vignette" "whip" "white" "zoom")
  "The other words of the language, from the grammar.")
(defconst mvs-units
  '("s" "ms" "f" "b" "beat" "beats" "bar" "bars" "dB" "%" "deg")
  "The units a number may carry, from the grammar.")
(defconst mvs-units-regexp "\\(?:beats\\|bars\\|beat\\|bar\\|deg\\|[dD][bB]\\|ms\\|b\\|f\\|s\\)\\_>\\|%"
  "A unit after a number.")
;; END GENERATED (editors/generate.py)

(defconst mvs-number-regexp "\\_<\\(?:[0-9]+\\(?:\\.[0-9]+\\)?\\|\\.[0-9]+\\)"
  "A number.")

(defconst mvs-time-regexp "\\_<[0-9]+:[0-9][0-9]\\(?::[0-9][0-9]\\)?\\(?:\\.[0-9]+\\)?"
  "A clock time such as 1:23.5.")

(defconst mvs-font-lock-keywords
  `((,mvs-time-regexp . font-lock-constant-face)
    ("\\_<[0-9]+x[0-9]+\\_>" . font-lock-constant-face)
    ("\\_<[0-9]+/[0-9]+\\_>" . font-lock-constant-face)
    (,(concat mvs-number-regexp "[ \t]*\\(" mvs-units-regexp "\\)")
     1 font-lock-type-face)
    (,mvs-number-regexp . font-lock-constant-face)
    ("\\_<\\(scene\\|character\\|mark\\)[ \t]+\\([A-Za-z_][A-Za-z0-9_]*\\)"
     2 font-lock-function-name-face)
    (,(regexp-opt mvs-statement-keywords 'symbols) . font-lock-keyword-face)
    (,(regexp-opt mvs-other-keywords 'symbols) . font-lock-builtin-face)
    ("->\\|[-+=@]" . font-lock-builtin-face)
    ("{[A-Za-z_][A-Za-z0-9_]*\\(?:@[0-9.]+\\)?}" 0 font-lock-variable-name-face prepend))
  "Font-lock rules for `mvs-mode'.")

(defvar mvs-mode-syntax-table
  (let ((table (make-syntax-table)))
    (modify-syntax-entry ?# "<" table)
    (modify-syntax-entry ?\n ">" table)
    (modify-syntax-entry ?\" "\"" table)
    (modify-syntax-entry ?\\ "\\" table)
    (modify-syntax-entry ?_ "_" table)
    (modify-syntax-entry ?{ "(}" table)
    (modify-syntax-entry ?} "){" table)
    (dolist (c '(?% ?@ ?- ?+ ?= ?/ ?* ?< ?> ?& ?| ?$ ?, ?\;))
      (modify-syntax-entry c "." table))
    table)
  "Syntax table for `mvs-mode'.")

(defun mvs-indent-line ()
  "Indent the current line by the depth of the braces around it."
  (interactive)
  (let ((depth (save-excursion
                 (beginning-of-line)
                 (let ((d (car (syntax-ppss))))
                   (if (looking-at "[ \t]*}") (max 0 (1- d)) d))))
        (offset (- (current-column) (current-indentation))))
    (indent-line-to (* mvs-indent-offset depth))
    (when (> offset 0) (forward-char offset))))

;;;###autoload
(define-derived-mode mvs-mode prog-mode "MVS"
  "Major mode for mvlang's .mvs music-video scripts."
  :syntax-table mvs-mode-syntax-table
  (setq-local comment-start "# ")
  (setq-local comment-end "")
  (setq-local comment-start-skip "#+[ \t]*")
  (setq-local indent-line-function #'mvs-indent-line)
  (setq-local indent-tabs-mode nil)
  (setq-local tab-width 2)
  (setq-local font-lock-defaults '(mvs-font-lock-keywords)))

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.mvs\\'" . mvs-mode))

(with-eval-after-load 'eglot
  (add-to-list 'eglot-server-programs '(mvs-mode . ("mvlang" "lsp"))))

(provide 'mvs-mode)

;;; mvs-mode.el ends here
