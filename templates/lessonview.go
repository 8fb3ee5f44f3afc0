package templates

// LessonView is the lesson area of a pattern page: the lesson, the
// scenarios to play, and (for an instructor's folder) what did not load.
type LessonView struct {
	Pattern   string
	Title     string
	HTML      string // rendered by the lessons package with raw HTML off
	Source    string // "bundled" or "folder"
	Scenarios []ScenarioLink
	// Folder is the instructor's lessons folder ("" when only ours are
	// served); Problems are file:line:col messages about it.
	Folder   string
	Problems []string
}

// ScenarioLink is one scenario a page offers.
type ScenarioLink struct {
	Name   string // file name without .yaml: what the player asks for
	Title  string
	Source string // URL of the YAML file as written
}
